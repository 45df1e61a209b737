-- Usage schema around usage_events_raw (0001): the event-id set that deduplicates events across batches,
-- rollups per customer, key, route and status class by minute, hour and day, and the ingestor's own
-- bookkeeping (planned batches, ingestion watermarks). Design and engine choices: docs/clickhouse.md,
-- "Usage schema"; the exactly-once argument: docs/ingestor.md.
--
-- Every table a materialized view writes into carries non_replicated_deduplication_window: a batch that is
-- re-inserted with the same insert_deduplication_token (and deduplicate_blocks_in_dependent_materialized_views
-- = 1, which the ingestor sends) is dropped in the raw table AND in every view target. Without the setting on
-- a target, the target would count the re-inserted block twice.

ALTER TABLE usage_events_raw
    COMMENT COLUMN late '1 when the event reached the log more than the grace period (INGEST_LATE_GRACE_SECONDS) after it occurred';

-- Reconciliation looks events up by id without knowing their customer; a bloom filter skips most granules.
ALTER TABLE usage_events_raw
    ADD INDEX IF NOT EXISTS event_id_bloom event_id TYPE bloom_filter(0.01) GRANULARITY 1;

-- Ids of recently ingested events, sorted by id (ULIDs start with their time, so recent ids are close
-- together). The ingestor looks a batch's ids up here before inserting and drops those stored by another
-- batch. Daily partitions by ingestion time, dropped whole after 8 days: duplicates up to 7 days apart are
-- caught with a day to spare.
CREATE TABLE IF NOT EXISTS usage_event_ids
(
    event_id         String,
    source_topic     LowCardinality(String),
    source_partition UInt32,
    source_offset    UInt64,
    ingested_at      DateTime('UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ingested_at)
ORDER BY event_id
TTL ingested_at + INTERVAL 8 DAY
SETTINGS non_replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_event_ids_mv TO usage_event_ids AS
SELECT event_id, source_topic, source_partition, source_offset, toDateTime(ingested_at, 'UTC') AS ingested_at
FROM usage_events_raw;

-- Rollups. One row per (customer, bucket, key, route, status class) and insert; SummingMergeTree adds rows
-- with equal keys together when parts merge, so readers must always aggregate (sum ... GROUP BY), never
-- read a row as final. Meters count billable events only; the outcome counts cover every event.
CREATE TABLE IF NOT EXISTS usage_rollup_minute
(
    customer_id    String,
    bucket         DateTime('UTC') COMMENT 'start of the UTC minute',
    key_id         String,
    route          LowCardinality(String),
    status_class   UInt8 COMMENT 'floor(status / 100): 1..5',
    events         UInt64 COMMENT 'every event, billable or not',
    requests       UInt64 COMMENT 'meter: billable events',
    credits        Decimal(38, 6) COMMENT 'meter: sum of units of billable events',
    egress_bytes   UInt64 COMMENT 'meter: sum of response bytes of billable events',
    forwarded      UInt64,
    rejected       UInt64 COMMENT 'rejected_auth + rejected_scope + rate_limited + quota_exceeded',
    rejected_auth  UInt64,
    rejected_scope UInt64,
    rate_limited   UInt64,
    quota_exceeded UInt64,
    upstream_error UInt64,
    late_events    UInt64,
    latency_ms_sum UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (customer_id, bucket, key_id, route, status_class)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS usage_rollup_hour AS usage_rollup_minute
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (customer_id, bucket, key_id, route, status_class)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS usage_rollup_day AS usage_rollup_minute
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (customer_id, bucket, key_id, route, status_class)
SETTINGS non_replicated_deduplication_window = 10000;

ALTER TABLE usage_rollup_hour COMMENT COLUMN bucket 'start of the UTC hour';
ALTER TABLE usage_rollup_day COMMENT COLUMN bucket 'start of the UTC day (00:00 UTC)';

-- Each view reads the raw insert block directly (not minute -> hour -> day), so each target's
-- deduplication depends only on the raw insert's token.
CREATE MATERIALIZED VIEW IF NOT EXISTS usage_rollup_minute_mv TO usage_rollup_minute AS
SELECT
    customer_id,
    toStartOfMinute(occurred_at) AS bucket,
    key_id,
    route,
    toUInt8(intDiv(status, 100)) AS status_class,
    count() AS events,
    countIf(billable = 1) AS requests,
    sumIf(units, billable = 1) AS credits,
    sumIf(response_bytes, billable = 1) AS egress_bytes,
    countIf(outcome = 'forwarded') AS forwarded,
    countIf(outcome IN ('rejected_auth', 'rejected_scope', 'rate_limited', 'quota_exceeded')) AS rejected,
    countIf(outcome = 'rejected_auth') AS rejected_auth,
    countIf(outcome = 'rejected_scope') AS rejected_scope,
    countIf(outcome = 'rate_limited') AS rate_limited,
    countIf(outcome = 'quota_exceeded') AS quota_exceeded,
    countIf(outcome = 'upstream_error') AS upstream_error,
    countIf(late = 1) AS late_events,
    sum(latency_ms) AS latency_ms_sum
FROM usage_events_raw
GROUP BY customer_id, bucket, key_id, route, status_class;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_rollup_hour_mv TO usage_rollup_hour AS
SELECT
    customer_id,
    toStartOfHour(occurred_at) AS bucket,
    key_id,
    route,
    toUInt8(intDiv(status, 100)) AS status_class,
    count() AS events,
    countIf(billable = 1) AS requests,
    sumIf(units, billable = 1) AS credits,
    sumIf(response_bytes, billable = 1) AS egress_bytes,
    countIf(outcome = 'forwarded') AS forwarded,
    countIf(outcome IN ('rejected_auth', 'rejected_scope', 'rate_limited', 'quota_exceeded')) AS rejected,
    countIf(outcome = 'rejected_auth') AS rejected_auth,
    countIf(outcome = 'rejected_scope') AS rejected_scope,
    countIf(outcome = 'rate_limited') AS rate_limited,
    countIf(outcome = 'quota_exceeded') AS quota_exceeded,
    countIf(outcome = 'upstream_error') AS upstream_error,
    countIf(late = 1) AS late_events,
    sum(latency_ms) AS latency_ms_sum
FROM usage_events_raw
GROUP BY customer_id, bucket, key_id, route, status_class;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_rollup_day_mv TO usage_rollup_day AS
SELECT
    customer_id,
    toDateTime(toStartOfDay(occurred_at), 'UTC') AS bucket,
    key_id,
    route,
    toUInt8(intDiv(status, 100)) AS status_class,
    count() AS events,
    countIf(billable = 1) AS requests,
    sumIf(units, billable = 1) AS credits,
    sumIf(response_bytes, billable = 1) AS egress_bytes,
    countIf(outcome = 'forwarded') AS forwarded,
    countIf(outcome IN ('rejected_auth', 'rejected_scope', 'rate_limited', 'quota_exceeded')) AS rejected,
    countIf(outcome = 'rejected_auth') AS rejected_auth,
    countIf(outcome = 'rejected_scope') AS rejected_scope,
    countIf(outcome = 'rate_limited') AS rate_limited,
    countIf(outcome = 'quota_exceeded') AS quota_exceeded,
    countIf(outcome = 'upstream_error') AS upstream_error,
    countIf(late = 1) AS late_events,
    sum(latency_ms) AS latency_ms_sum
FROM usage_events_raw
GROUP BY customer_id, bucket, key_id, route, status_class;

-- The offset range of every batch the ingestor planned, written BEFORE the batch is inserted. After a crash
-- or a rebalance the next owner of the partition re-forms exactly these ranges, so a re-insert carries the
-- same deduplication token. Conflicting plans for one first offset (possible only in a rebalance race) are
-- all kept; readers take the earliest.
CREATE TABLE IF NOT EXISTS ingest_batches
(
    topic        LowCardinality(String),
    partition    UInt32,
    first_offset UInt64,
    last_offset  UInt64,
    planned_at   DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (topic, partition, first_offset, last_offset)
TTL toDateTime(planned_at) + INTERVAL 30 DAY;

-- Ingestion watermark per partition, written after ClickHouse acknowledged a batch: every record of the
-- partition up to last_offset is counted. Maxima, so rows of earlier batches never lower a value.
CREATE TABLE IF NOT EXISTS ingest_watermarks
(
    topic           LowCardinality(String),
    partition       UInt32,
    last_offset     SimpleAggregateFunction(max, UInt64),
    last_log_time   SimpleAggregateFunction(max, DateTime64(3, 'UTC')) COMMENT 'log append time of the record at last_offset',
    max_occurred_at SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    updated_at      SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (topic, partition);
