import type { Request } from 'express';
import type { AdminIdentity, AuthenticatedCustomer } from '@keymeter/keys';

/** A request after the guards: who is calling. */
export interface AuthenticatedRequest extends Request {
  keymeterAdmin?: AdminIdentity;
  keymeterCustomer?: AuthenticatedCustomer;
}

/** The credential of `Authorization: Bearer <credential>`, or undefined. */
export function bearerCredential(request: Request): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header);
  return match?.[1];
}
