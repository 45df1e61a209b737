import type { Request } from 'express';

/** Path of the dashboard's customer view. */
export const PORTAL_PATH = '/dashboard/portal';

/**
 * The customer view's URL on the host the admin called, with the token in the fragment: browsers never send
 * a fragment to the server, so the token stays out of access logs, proxies and Referer headers.
 */
export function portalUrl(request: Request, token: string): string {
  const host = request.get('host') ?? 'localhost';
  return `${request.protocol}://${host}${PORTAL_PATH}#token=${encodeURIComponent(token)}`;
}
