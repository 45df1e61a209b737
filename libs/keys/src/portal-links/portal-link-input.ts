import {
  describeInput,
  requireObject,
  throwIfIssues,
  unknownPropertyIssues,
  type FieldIssue,
} from '../input/fields';

/** A portal link lasts an hour unless the admin asks otherwise, and never more than a day. */
export const DEFAULT_PORTAL_LINK_TTL_SECONDS = 3600;
export const MIN_PORTAL_LINK_TTL_SECONDS = 60;
export const MAX_PORTAL_LINK_TTL_SECONDS = 86_400;

/** Checks a mint body (optional): `{ ttlSeconds }`. */
export function parsePortalLinkRequest(body: unknown): { ttlSeconds: number } {
  const empty = body === undefined || body === null || (typeof body === 'string' && body === '');
  const input = empty ? {} : requireObject(body);
  const issues: FieldIssue[] = unknownPropertyIssues(input, ['ttlSeconds']);
  const ttl = input.ttlSeconds ?? DEFAULT_PORTAL_LINK_TTL_SECONDS;
  if (
    typeof ttl !== 'number' ||
    !Number.isSafeInteger(ttl) ||
    ttl < MIN_PORTAL_LINK_TTL_SECONDS ||
    ttl > MAX_PORTAL_LINK_TTL_SECONDS
  ) {
    issues.push({
      field: 'ttlSeconds',
      reason: `must be a whole number of seconds from ${MIN_PORTAL_LINK_TTL_SECONDS} to ${MAX_PORTAL_LINK_TTL_SECONDS}, got ${describeInput(input.ttlSeconds)}`,
    });
  }
  throwIfIssues(issues);
  return { ttlSeconds: ttl as number };
}
