-- Raw UsageEvent v1 facts, one row per event, as the ingestor writes them from Kafka.
-- Names are unqualified: they resolve to the database the migration runner's handle was opened on.
--
-- Exactly-once: the ingestor inserts each Kafka batch with an insert_deduplication_token derived from
-- its topic, partition and offsets. The table keeps the tokens of its last 10000 inserted blocks (a block
-- is one month-partition of one insert), so a batch redelivered after a crash or rebalance is dropped as
-- long as fewer than 10000 blocks were inserted in between. At 12 Kafka partitions each inserting once a
-- second that is about 14 minutes, far beyond a rebalance or an ingestor restart; the cost is a small
-- on-disk log.
--
-- units: Decimal(38, 6), the credits of a call, exact to 1e-6 (the smallest price step). The column holds
-- the credit amount itself (no scale convention to remember, read and written as decimal strings), and
-- sums stay Decimal(38, 6) with room for 10^32 credits (UInt64 micro-units would stop at 1.8 * 10^13).
CREATE TABLE IF NOT EXISTS usage_events_raw
(
    event_id         String COMMENT 'ULID, the idempotency key',
    occurred_at      DateTime64(3, 'UTC'),
    ingested_at      DateTime64(3, 'UTC') DEFAULT now64(3, 'UTC'),
    gateway_id       LowCardinality(String),
    key_id           String,
    customer_id      String,
    method           LowCardinality(String),
    route            LowCardinality(String) COMMENT 'route template, not the concrete path',
    status           UInt16,
    latency_ms       UInt32,
    request_bytes    UInt64,
    response_bytes   UInt64,
    units            Decimal(38, 6) COMMENT 'credits',
    client_ip        String,
    user_agent       String,
    outcome          LowCardinality(String) COMMENT 'forwarded, rejected_auth, rejected_scope, rate_limited, quota_exceeded, upstream_error',
    billable         UInt8,
    late             UInt8 COMMENT '1 when the event arrived after its billing period was finalized',
    source_topic     LowCardinality(String),
    source_partition UInt32,
    source_offset    UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (customer_id, key_id, occurred_at, event_id)
SETTINGS non_replicated_deduplication_window = 10000;
