import type { RequestListener } from 'node:http';

/** Paths served by the gateway app itself (Nest): health, metrics, API docs and event ingestion. */
export const RESERVED_PATH_PREFIXES = [
  '/health',
  '/metrics',
  '/docs',
  '/v1/events',
  '/api/v1/events',
] as const;

/** Whether a request target belongs to the app rather than to the proxy (`/docs-json` counts as `/docs`). */
export function isReservedPath(url: string): boolean {
  for (const prefix of RESERVED_PATH_PREFIXES) {
    if (!url.startsWith(prefix)) continue;
    const next = url.charCodeAt(prefix.length);
    // End of path, '/', '?', or (for /docs) the '-json' / '-yaml' documents.
    if (Number.isNaN(next) || next === 0x2f || next === 0x3f || (prefix === '/docs' && next === 0x2d)) {
      return true;
    }
  }
  return false;
}

/**
 * One listener for the gateway's server: reserved paths go to the app's handler (Express under Nest), every
 * other request straight to the proxy, so proxied traffic never passes through a framework.
 */
export function gatewayFrontHandler(
  appHandler: RequestListener,
  proxyHandler: RequestListener,
): RequestListener {
  return (req, res) => {
    if (isReservedPath(req.url ?? '/')) appHandler(req, res);
    else proxyHandler(req, res);
  };
}
