-- Per-key activity by minute for the anomaly evaluator (libs/alerts, docs/anomaly-detection.md "Evaluator").
-- Every minute the evaluator reads the last 30 minutes of every active key, and the client IPs and routes of
-- the newest minute. The usage tables are sorted by customer first, so a time range over all customers reads
-- far more than the range; this table is sorted by minute first, so those reads are a primary-key range.
-- It only serves the look-back window: rows expire after two days (whole daily partitions are dropped).
--
-- Deduplication as for the rollups (0002): a batch re-inserted with the same token is dropped here too.
CREATE TABLE IF NOT EXISTS key_activity_minute
(
    bucket         DateTime('UTC') COMMENT 'start of the UTC minute',
    key_id         String,
    customer_id    String,
    client_ip      String,
    route          LowCardinality(String) COMMENT 'route template',
    events         UInt64 COMMENT 'every call carrying the key, whatever its outcome',
    requests       UInt64 COMMENT 'billable calls',
    credits        Decimal(38, 6) COMMENT 'units of billable calls',
    upstream_error UInt64,
    rejected_auth  UInt64,
    rejected_scope UInt64,
    rate_limited   UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (bucket, key_id, customer_id, client_ip, route)
TTL bucket + INTERVAL 2 DAY
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS key_activity_minute_mv TO key_activity_minute AS
SELECT
    toStartOfMinute(occurred_at) AS bucket,
    key_id,
    customer_id,
    client_ip,
    route,
    count() AS events,
    countIf(billable = 1) AS requests,
    sumIf(units, billable = 1) AS credits,
    countIf(outcome = 'upstream_error') AS upstream_error,
    countIf(outcome = 'rejected_auth') AS rejected_auth,
    countIf(outcome = 'rejected_scope') AS rejected_scope,
    countIf(outcome = 'rate_limited') AS rate_limited
FROM usage_events_raw
WHERE key_id != ''
GROUP BY bucket, key_id, customer_id, client_ip, route;
