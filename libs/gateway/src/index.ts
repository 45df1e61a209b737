export * from './registry/credential-verifier';
export { KeyRegistryView } from './registry/key-registry-view';
export {
  subscribeToKeyRegistry,
  type RegistrySubscription,
  type RegistrySubscriptionOptions,
} from './registry/registry-subscription';
export type {
  AdmissionDecision,
  AdmissionOutcome,
  AdmissionRequest,
  LimitDecisionCounts,
  LimitStore,
  Settlement,
} from './limits/limit-store';
export { InProcessLimitStore } from './limits/in-process-limit-store';
export { RedisLimitStore, type RedisLimitStoreOptions } from './limits/redis-limit-store';
export { ADMIT_SCRIPT } from './limits/admit-script';
export { KeyLimits, hasLimits } from './limits/key-limits';
export { QuotaWindows } from './limits/quota-windows';
export { GatewayMetrics, type CallRecorder, type GatewayMetricsSources } from './metrics/gateway-metrics';
export { GatewayProxy, type GatewayProxyOptions, type ProxyLogger } from './proxy/gateway-proxy';
export { loadRoutesFile, InvalidRoutesFileError } from './proxy/routes-file';
export { REJECTIONS, type GatewayRejection, type RejectionSpec } from './proxy/rejections';
export { gatewayFrontHandler, isReservedPath, RESERVED_PATH_PREFIXES } from './proxy/front-handler';
export { callEvent, clientAddress, type FinishedCall } from './proxy/call-event';
