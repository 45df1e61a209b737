-- Rejected authentications per client IP by minute, for the per-network auth-failure burst (credential
-- stuffing) of the anomaly evaluator (libs/alerts, docs/anomaly-detection.md "Network auth-failure bursts").
-- key_activity_minute (0003) only holds calls that carried a known key; stuffing tries keys that do not exist,
-- so those calls have no key id. The raw table is sorted by customer first: "every rejected call of one
-- minute" on it reads the whole month's partition. This table is sorted by minute first, holds only
-- rejected_auth calls (with or without a key), and is kept two days like 0003.
--
-- Deduplication as for the rollups (0002): a batch re-inserted with the same token is dropped here too.
CREATE TABLE IF NOT EXISTS auth_failures_minute
(
    bucket    DateTime('UTC') COMMENT 'start of the UTC minute',
    client_ip String,
    failures  UInt64 COMMENT 'rejected_auth calls, whether or not their key was identified'
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (bucket, client_ip)
TTL bucket + INTERVAL 2 DAY
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS auth_failures_minute_mv TO auth_failures_minute AS
SELECT
    toStartOfMinute(occurred_at) AS bucket,
    client_ip,
    count() AS failures
FROM usage_events_raw
WHERE outcome = 'rejected_auth'
GROUP BY bucket, client_ip;
