import { HttpStatus, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { hasNamedScope, type NamedScope } from '@keymeter/domain';
import {
  CustomerKeyAuthenticator,
  looksLikePortalToken,
  PortalLinkService,
  type AuthenticatedCustomer,
  type CustomerKeyRejection,
  type PortalLinkRejection,
} from '@keymeter/keys';
import { ApiError } from '@keymeter/platform';
import { bearerCredential, type AuthenticatedRequest } from './authenticated-request';
import { REQUIRED_SCOPE } from './required-scope';

const REJECTION_MESSAGES: Readonly<Record<CustomerKeyRejection, string>> = {
  missing: 'an API key is required (X-API-Key or Authorization: Bearer)',
  malformed: 'the API key is malformed',
  bad_checksum: 'the API key has a bad checksum (mistyped?)',
  unknown: 'the API key is not valid',
  revoked: 'the API key is revoked',
  suspended: 'the API key is suspended',
  expired: 'the API key has expired',
  rotated_out: 'the API key was rotated out and its grace period has ended',
};

const PORTAL_REJECTION_MESSAGES: Readonly<Record<PortalLinkRejection, string>> = {
  malformed: 'the portal token is malformed',
  bad_checksum: 'the portal token has a bad checksum (mistyped?)',
  unknown: 'the portal token is not valid',
  expired: 'the portal link has expired; ask for a new one',
  revoked: 'the portal link was revoked',
};

/** What a portal link may do: read its customer's data (GET), nothing else. */
const PORTAL_SCOPES: readonly NamedScope[] = ['usage:read'];
const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

function unauthenticated(message: string, reason: string): ApiError {
  return new ApiError(
    HttpStatus.UNAUTHORIZED,
    'unauthenticated',
    message,
    { reason },
    { 'WWW-Authenticate': 'Bearer' },
  );
}

/**
 * Customer API routes: the caller's own API key in `X-API-Key` or `Authorization: Bearer`, verified by hash
 * against Postgres, and the scope named by `@RequireScope` on the route. A portal token (`km_portal_…`, from
 * a link an admin minted for one customer) is accepted in the same places as that customer's read-only
 * identity: GET requests with the `usage:read` scope only.
 */
@Injectable()
export class CustomerKeyGuard implements CanActivate {
  constructor(
    private readonly customerKeys: CustomerKeyAuthenticator,
    private readonly portalLinks: PortalLinkService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers['x-api-key'];
    const presented = typeof header === 'string' && header !== '' ? header : bearerCredential(request);
    const customer = looksLikePortalToken(presented)
      ? await this.portalCustomer(presented, request.method)
      : await this.keyCustomer(presented);
    const scope = this.reflector.getAllAndOverride<NamedScope | undefined>(REQUIRED_SCOPE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (scope !== undefined && !hasNamedScope(customer.scopes, scope)) {
      throw new ApiError(HttpStatus.FORBIDDEN, 'forbidden', `the API key lacks the scope "${scope}"`, {
        requiredScope: scope,
      });
    }
    request.keymeterCustomer = customer;
    return true;
  }

  private async keyCustomer(presented: string | undefined): Promise<AuthenticatedCustomer> {
    const result = await this.customerKeys.authenticate(presented);
    if (!result.ok) throw unauthenticated(REJECTION_MESSAGES[result.reason], result.reason);
    return result.customer;
  }

  private async portalCustomer(presented: string, method: string): Promise<AuthenticatedCustomer> {
    const result = await this.portalLinks.authenticate(presented);
    if (!result.ok) throw unauthenticated(PORTAL_REJECTION_MESSAGES[result.reason], result.reason);
    if (!READ_METHODS.has(method.toUpperCase())) {
      throw new ApiError(HttpStatus.FORBIDDEN, 'forbidden', 'a portal link only reads (GET)', {
        method,
      });
    }
    return { customerId: result.customerId, portalLinkId: result.linkId, scopes: PORTAL_SCOPES };
  }
}
