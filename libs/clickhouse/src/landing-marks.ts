/**
 * The ingestor writes one landing-mark row per batch and day into usage_events_raw, and so into every table
 * its views fill (libs/ingestion landing-marks.ts, docs/ingestor.md "Landing marks"). Their customer is `~`,
 * which no customer id can be; their key id and client IP start with `~`, which no key id or address can.
 * Every read that is not bound to one real customer or key leaves them out with these conditions.
 */
export const LANDING_MARK_CUSTOMER = '~';

/** For tables with a customer_id column (the raw table, the usage rollups, key_activity_minute). */
export const NOT_A_LANDING_MARK = `customer_id != '${LANDING_MARK_CUSTOMER}'`;

/** For tables keyed by client IP without a customer (auth_failures_minute). */
export const IP_NOT_A_LANDING_MARK = `NOT startsWith(client_ip, '${LANDING_MARK_CUSTOMER}')`;

/** For tables with a key_id column: a mark's key starts with `~` (also where `customer_id` names an aggregate). */
export const KEY_NOT_A_LANDING_MARK = `NOT startsWith(key_id, '${LANDING_MARK_CUSTOMER}')`;
