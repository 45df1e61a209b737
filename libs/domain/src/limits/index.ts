export {
  MAX_BURST,
  MAX_RATE,
  MICRO_TOKENS_PER_TOKEN,
  bucketParameters,
  takeToken,
  type RateLimit,
  type TokenBucketDecision,
  type TokenBucketState,
} from './token-bucket';
export {
  quotaCheck,
  secondsUntilWindowEnd,
  windowContains,
  windowSeconds,
  type QuotaDecision,
  type QuotaWindow,
} from './quota';
export {
  quotaStatus,
  rateLimitHeaders,
  rateLimitPolicy,
  retryAfterSeconds,
  tokenBucketStatus,
  type LimitStatus,
} from './headers';
export { MAX_REQUESTS_PER_DAY, validateQuotas, validateRateLimit, type KeyQuotas } from './limit-settings';
