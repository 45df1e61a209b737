-- The client's country (UsageEvent v1 `country`, ISO 3166-1 alpha-2, optional) in the raw table, and per key
-- and minute for the anomaly evaluator's new-country detector (docs/anomaly-detection.md "Evaluator").
-- Events without a country (older events, producers that do not know it) store ''.
ALTER TABLE usage_events_raw
    ADD COLUMN IF NOT EXISTS country LowCardinality(String) DEFAULT '' COMMENT 'ISO 3166-1 alpha-2 of the client, empty when unknown';

-- Calls per key, minute and country, sorted by minute first and kept two days, like key_activity_minute
-- (0003): the evaluator reads the newest minute's countries as a primary-key range. A table of its own rather
-- than a column of 0003: its sorting key and view stay as they are, and calls without a country add no rows.
--
-- Deduplication as for the rollups (0002): a batch re-inserted with the same token is dropped here too.
CREATE TABLE IF NOT EXISTS key_country_minute
(
    bucket  DateTime('UTC') COMMENT 'start of the UTC minute',
    key_id  String,
    country LowCardinality(String),
    events  UInt64 COMMENT 'every call carrying the key and the country, whatever its outcome'
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (bucket, key_id, country)
TTL bucket + INTERVAL 2 DAY
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS key_country_minute_mv TO key_country_minute AS
SELECT
    toStartOfMinute(occurred_at) AS bucket,
    key_id,
    country,
    count() AS events
FROM usage_events_raw
WHERE key_id != '' AND country != ''
GROUP BY bucket, key_id, country;
