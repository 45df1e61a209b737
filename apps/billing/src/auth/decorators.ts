import {
  applyDecorators,
  createParamDecorator,
  SetMetadata,
  UseGuards,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiHeader, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { NamedScope } from '@keymeter/domain';
import type { AdminIdentity, AuthenticatedCustomer } from '@keymeter/keys';
import { AdminGuard } from './admin.guard';
import type { AuthenticatedRequest } from './authenticated-request';
import { CustomerKeyGuard } from './customer-key.guard';
import { REQUIRED_SCOPE } from './required-scope';

/** An admin route (class or method): `Authorization: Bearer <admin token>`, else 401. */
export function AdminAuth(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(AdminGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing or invalid admin token (code `unauthenticated`)' }),
  );
}

/**
 * A customer API route authenticated by the customer's API key, which must hold `scope`
 * (e.g. `@RequireScope('usage:read')`). 401 without a valid key, 403 without the scope.
 */
export function RequireScope(scope: NamedScope): ClassDecorator & MethodDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_SCOPE, scope),
    UseGuards(CustomerKeyGuard),
    ApiBearerAuth(),
    ApiHeader({
      name: 'X-API-Key',
      required: false,
      description: 'The API key, instead of Authorization: Bearer',
    }),
    ApiUnauthorizedResponse({ description: 'Missing or invalid API key (code `unauthenticated`)' }),
    ApiForbiddenResponse({ description: `The API key lacks the scope ${scope} (code \`forbidden\`)` }),
  );
}

/** The customer authenticated by `@RequireScope` (customerId, keyId, scopes). */
export const CurrentCustomer = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedCustomer => {
    const customer = context.switchToHttp().getRequest<AuthenticatedRequest>().keymeterCustomer;
    if (customer === undefined) throw new Error('@CurrentCustomer() used on a route without @RequireScope()');
    return customer;
  },
);

/** The admin authenticated by `@AdminAuth()` (token id and label, for the audit log). */
export const CurrentAdmin = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AdminIdentity => {
    const admin = context.switchToHttp().getRequest<AuthenticatedRequest>().keymeterAdmin;
    if (admin === undefined) throw new Error('@CurrentAdmin() used on a route without @AdminAuth()');
    return admin;
  },
);
