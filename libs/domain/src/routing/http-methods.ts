/** Methods a route or scope may name. Matching is case-sensitive, as HTTP methods are. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export type HttpMethod = (typeof HTTP_METHODS)[number];

/** A method, or `*` for any method. */
export type MethodOrAny = HttpMethod | '*';

export function isHttpMethod(value: unknown): value is HttpMethod {
  return typeof value === 'string' && (HTTP_METHODS as readonly string[]).includes(value);
}
