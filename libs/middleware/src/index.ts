export {
  createUsageMiddleware,
  type UsageIdentity,
  type UsageMiddleware,
  type UsageMiddlewareOptions,
  type UsageRequest,
} from './usage-middleware';
