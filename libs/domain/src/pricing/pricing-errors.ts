/** One problem with a pricing input, named by its path (e.g. `tiers[2].upTo`). */
export interface FieldError {
  field: string;
  message: string;
}

/** Pricing input rejected; `errors` lists every offending field. */
export class InvalidPricingInputError extends Error {
  override readonly name = 'InvalidPricingInputError';

  constructor(readonly errors: readonly FieldError[]) {
    super(errors.map((error) => `${error.field}: ${error.message}`).join('; '));
  }
}

/** `path` joined with a property name or array index: at('tiers', 2) → "tiers[2]". */
export function fieldPath(path: string, key: string | number): string {
  if (typeof key === 'number') {
    return `${path}[${key}]`;
  }
  return path === '' ? key : `${path}.${key}`;
}
