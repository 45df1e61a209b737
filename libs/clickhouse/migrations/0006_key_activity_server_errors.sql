-- key_activity_minute.upstream_error (0003) counted only outcome 'upstream_error': the gateway's own 502/504
-- when the upstream could not be reached or did not answer in time. An upstream that answers 5xx itself is
-- recorded as outcome 'forwarded' with its status, and such answers (an outage behind the gateway) are what the
-- anomaly evaluator's 5xx-burst detector (error_burst) is for; the evaluation through the real pipeline found
-- it blind to them. The view now counts every 5xx answered to the caller. Rows already in the table keep the
-- old count (the table keeps two days).
ALTER TABLE key_activity_minute
    COMMENT COLUMN upstream_error '5xx answered to the caller: the gateway''s 502/504 and the upstream''s own 5xx';

DROP TABLE IF EXISTS key_activity_minute_mv;

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
    countIf(outcome = 'upstream_error' OR (outcome = 'forwarded' AND status >= 500)) AS upstream_error,
    countIf(outcome = 'rejected_auth') AS rejected_auth,
    countIf(outcome = 'rejected_scope') AS rejected_scope,
    countIf(outcome = 'rate_limited') AS rate_limited
FROM usage_events_raw
WHERE key_id != ''
GROUP BY bucket, key_id, customer_id, client_ip, route;
