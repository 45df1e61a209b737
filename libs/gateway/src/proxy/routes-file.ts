import { readFileSync } from 'node:fs';
import { compileRoutes, validateRoutes, type RouteMatcher } from '@keymeter/domain';

/** A routes file that cannot be used; the message names the file and every offending field. */
export class InvalidRoutesFileError extends Error {
  override readonly name = 'InvalidRoutesFileError';
}

/**
 * Reads the gateway's routes (GATEWAY_ROUTES_FILE: a JSON array of routes, see docs/keys.md) and compiles
 * them. No file configured means no routes: every proxied call is answered 404.
 */
export function loadRoutesFile(path: string | undefined): RouteMatcher {
  if (path === undefined) return compileRoutes([]);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidRoutesFileError(
      `GATEWAY_ROUTES_FILE ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new InvalidRoutesFileError(
      `GATEWAY_ROUTES_FILE ${path}: is not valid JSON (${(error as Error).message})`,
    );
  }
  const checked = validateRoutes(input, 'routes');
  if (!checked.ok) {
    const problems = checked.issues.map((issue) => `${issue.field}: ${issue.reason}`).join('; ');
    throw new InvalidRoutesFileError(`GATEWAY_ROUTES_FILE ${path}: ${problems}`);
  }
  return compileRoutes(checked.value);
}
