import { HttpStatus, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { hasNamedScope, type NamedScope } from '@keymeter/domain';
import { CustomerKeyAuthenticator, type CustomerKeyRejection } from '@keymeter/keys';
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

/**
 * Customer API routes: the caller's own API key in `X-API-Key` or `Authorization: Bearer`, verified by hash
 * against Postgres, and the scope named by `@RequireScope` on the route.
 */
@Injectable()
export class CustomerKeyGuard implements CanActivate {
  constructor(
    private readonly customerKeys: CustomerKeyAuthenticator,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers['x-api-key'];
    const presented = typeof header === 'string' && header !== '' ? header : bearerCredential(request);
    const result = await this.customerKeys.authenticate(presented);
    if (!result.ok) {
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'unauthenticated',
        REJECTION_MESSAGES[result.reason],
        { reason: result.reason },
        { 'WWW-Authenticate': 'Bearer' },
      );
    }
    const scope = this.reflector.getAllAndOverride<NamedScope | undefined>(REQUIRED_SCOPE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (scope !== undefined && !hasNamedScope(result.customer.scopes, scope)) {
      throw new ApiError(HttpStatus.FORBIDDEN, 'forbidden', `the API key lacks the scope "${scope}"`, {
        requiredScope: scope,
      });
    }
    request.keymeterCustomer = result.customer;
    return true;
  }
}
