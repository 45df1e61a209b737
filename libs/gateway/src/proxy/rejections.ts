import type { UsageOutcome } from '@keymeter/contracts';
import type { CredentialRejection } from '../registry/credential-verifier';

/** Why the gateway answered a call itself. */
export type GatewayRejection =
  | CredentialRejection
  | 'route_not_found'
  | 'scope_denied'
  | 'rate_limited'
  | 'quota_exceeded'
  | 'upstream_unreachable'
  | 'upstream_timeout';

export interface RejectionSpec {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly outcome: UsageOutcome;
}

export const REJECTIONS: Readonly<Record<GatewayRejection, RejectionSpec>> = {
  missing: {
    status: 401,
    code: 'missing_api_key',
    message: 'An API key is required in the X-API-Key header or as Authorization: Bearer',
    outcome: 'rejected_auth',
  },
  malformed: {
    status: 401,
    code: 'malformed_api_key',
    message: 'The API key is not in the km_live_… / km_test_… format',
    outcome: 'rejected_auth',
  },
  bad_checksum: {
    status: 401,
    code: 'invalid_api_key_checksum',
    message: 'The API key has a wrong checksum; it was probably mistyped or truncated',
    outcome: 'rejected_auth',
  },
  unknown: {
    status: 401,
    code: 'invalid_api_key',
    message: 'The API key is not valid',
    outcome: 'rejected_auth',
  },
  expired: {
    status: 401,
    code: 'api_key_expired',
    message: 'The API key has expired',
    outcome: 'rejected_auth',
  },
  revoked: {
    status: 401,
    code: 'api_key_revoked',
    message: 'The API key was revoked',
    outcome: 'rejected_auth',
  },
  suspended: {
    status: 401,
    code: 'api_key_suspended',
    message: 'The API key is suspended',
    outcome: 'rejected_auth',
  },
  rotated_out: {
    status: 401,
    code: 'api_key_rotated_out',
    message: 'This secret of the API key was replaced by a rotation and its grace period has ended',
    outcome: 'rejected_auth',
  },
  // No route is a 4xx the key holder caused, recorded like a call outside the key's scopes.
  route_not_found: {
    status: 404,
    code: 'route_not_found',
    message: 'No gateway route matches this method and path',
    outcome: 'rejected_scope',
  },
  scope_denied: {
    status: 403,
    code: 'insufficient_scope',
    message: "The API key's scopes do not allow this method and path",
    outcome: 'rejected_scope',
  },
  rate_limited: {
    status: 429,
    code: 'rate_limited',
    message: "The API key's rate limit is exceeded; retry after the Retry-After delay",
    outcome: 'rate_limited',
  },
  quota_exceeded: {
    status: 429,
    code: 'quota_exceeded',
    message: "The API key's quota for the current window is used up; retry after the Retry-After delay",
    outcome: 'quota_exceeded',
  },
  upstream_unreachable: {
    status: 502,
    code: 'upstream_unreachable',
    message: 'The upstream service could not be reached',
    outcome: 'upstream_error',
  },
  upstream_timeout: {
    status: 504,
    code: 'upstream_timeout',
    message: 'The upstream service did not answer in time',
    outcome: 'upstream_error',
  },
};

/** Response bodies, serialised once. */
export const REJECTION_BODIES: Readonly<Record<GatewayRejection, Buffer>> = Object.fromEntries(
  Object.entries(REJECTIONS).map(([reason, spec]) => [
    reason,
    Buffer.from(JSON.stringify({ error: { code: spec.code, message: spec.message } }), 'utf8'),
  ]),
) as Record<GatewayRejection, Buffer>;
