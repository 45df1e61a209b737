/** A decimal input (amount, price, quantity, factor) that is not acceptable. Names the offending field. */
export class InvalidDecimalError extends Error {
  override readonly name = 'InvalidDecimalError';

  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** A currency code that is not in the ISO 4217 table. */
export class UnknownCurrencyError extends Error {
  override readonly name = 'UnknownCurrencyError';

  constructor(
    readonly currency: string,
    readonly field: string = 'currency',
  ) {
    super(`${field}: unknown currency ${JSON.stringify(currency)}; expected an ISO 4217 code such as "USD"`);
  }
}
