/** A time input (period, time zone, instant, range, granularity) that is not acceptable. Names the field. */
export class InvalidTimeInputError extends Error {
  override readonly name = 'InvalidTimeInputError';

  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

const QUOTED_INPUT_MAX_LENGTH = 40;

/** The offending value as shown in an error message: JSON-quoted and cut short. */
export function quoteInput(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const shown = text.length > QUOTED_INPUT_MAX_LENGTH ? `${text.slice(0, QUOTED_INPUT_MAX_LENGTH)}…` : text;
  return typeof value === 'string' ? JSON.stringify(shown) : shown;
}

/** Epoch milliseconds of a valid Date; throws naming `field` otherwise. */
export function instantMs(value: Date, field: string): number {
  const epochMs = value instanceof Date ? value.getTime() : Number.NaN;
  if (!Number.isFinite(epochMs)) {
    throw new InvalidTimeInputError(field, 'must be a valid date-time');
  }
  return epochMs;
}
