export { type FieldIssue, type ValidationResult } from './field-issue';
export { HTTP_METHODS, isHttpMethod, type HttpMethod, type MethodOrAny } from './http-methods';
export { splitRequestPath, type RequestPathProblem, type SplitRequestPath } from './request-path';
export {
  MAX_PATTERN_LENGTH,
  MAX_PATTERN_SEGMENTS,
  matchPathPattern,
  parsePathPattern,
  patternShape,
  type PathPattern,
  type PathPatternParse,
  type PatternSegment,
} from './path-pattern';
export {
  CREDIT_FRACTION_DIGITS,
  MAX_CREDIT_INTEGER_DIGITS,
  formatMicroCredits,
  parseCreditAmount,
  toMicroCredits,
  type CreditAmountParse,
} from './credits';
export { InvalidRoutesError, MAX_ROUTES, validateRoute, validateRoutes, type Route } from './routes';
export { MAX_MATCHER_STATES, compileRoutes, type RouteMatch, type RouteMatcher } from './route-matcher';
export { USAGE_UNITS_HEADER, unitsForCall, type CallUnits } from './units-for-call';
