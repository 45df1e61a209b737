/**
 * Statement rewrites that make chDB read bulk data from a file (see BulkDataFiles) instead of the SQL
 * text. Pure: they only decide whether a statement qualifies and what it becomes.
 */

/** Lists shorter than this stay bound parameters: a file costs more than it saves for a few values. */
export const MIN_LIST_FROM_FILE = 1000;

const INSERT_WITH_FORMAT = /^(\s*INSERT\s+INTO\s[\s\S]*?)\s+FORMAT\s+([A-Za-z0-9_]+)\s*$/i;

/**
 * For `INSERT INTO t (…) FORMAT F` (what @clickhouse/client's insert() sends): the same insert reading the
 * file at a path in that format; null for any other statement. Paths must be plain (no quotes, no globs).
 */
export function insertFromFile(query: string): ((path: string) => string) | null {
  const match = INSERT_WITH_FORMAT.exec(query);
  if (!match) return null;
  const [, insert, format] = match;
  return (path) => `${insert} FROM INFILE '${path}' COMPRESSION 'none' FORMAT ${format}`;
}

/** `IN {name:Array(String)}`, the form a list parameter takes in a membership test. */
function inListPattern(name: string): RegExp {
  return new RegExp(`\\bIN\\s*\\{\\s*${name}\\s*:\\s*Array\\(\\s*String\\s*\\)\\s*\\}`, 'gi');
}

function placeholderPattern(name: string): RegExp {
  return new RegExp(`\\{\\s*${name}\\s*:`, 'g');
}

/**
 * Names of the parameters worth reading from a file: arrays of at least MIN_LIST_FROM_FILE strings
 * without line breaks (one value per line), used exactly once and only as `IN {name:Array(String)}`.
 */
export function listParamsForFiles(query: string, params: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(params)
    .filter(([name, value]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return false;
      if (!Array.isArray(value) || value.length < MIN_LIST_FROM_FILE) return false;
      if (!value.every((item) => typeof item === 'string' && !/[\r\n]/.test(item))) return false;
      const uses = query.match(placeholderPattern(name))?.length ?? 0;
      const inUses = query.match(inListPattern(name))?.length ?? 0;
      return uses === 1 && inUses === 1;
    })
    .map(([name]) => name);
}

/** The list's file body: one value per line, read back verbatim by the LineAsString format. */
export function listFileBody(values: readonly string[]): string {
  return values.length === 0 ? '' : `${values.join('\n')}\n`;
}

/** The query with `IN {name:Array(String)}` reading the values from the file at `path` instead. */
export function withListFromFile(query: string, name: string, path: string): string {
  return query.replace(
    inListPattern(name),
    `IN (SELECT value FROM file('${path}', 'LineAsString', 'value String'))`,
  );
}
