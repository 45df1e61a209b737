/** One problem with an input, named by its path (e.g. `scopes[1].methods[0]`). */
export interface FieldIssue {
  readonly field: string;
  readonly reason: string;
}

/** The checked value, or every problem found, each naming its field. */
export type ValidationResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: FieldIssue[] };

/** `field` extended by a property name or an array index: (`scopes`, 1) → `scopes[1]`. */
export function fieldPath(field: string, key: string | number): string {
  if (typeof key === 'number') {
    return `${field}[${key}]`;
  }
  return field === '' ? key : `${field}.${key}`;
}

/** A value from untrusted input quoted for an error message: JSON, cut to 40 characters. */
export function quoteInput(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Issues for every own property of `input` that is not in `allowed` (typos such as `method` for `methods`). */
export function unknownPropertyIssues(
  input: Readonly<Record<string, unknown>>,
  allowed: readonly string[],
  field: string,
): FieldIssue[] {
  return Object.keys(input)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({
      field: fieldPath(field, key),
      reason: `is not a known property; expected ${allowed.join(', ')}`,
    }));
}

export function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
