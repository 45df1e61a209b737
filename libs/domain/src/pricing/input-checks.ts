import {
  currencyExponent,
  InvalidDecimalError,
  parseQuantity,
  UnknownCurrencyError,
  type Dec,
} from '../money';
import type { FieldError } from './pricing-errors';

/** A usage quantity: a decimal string, a bigint, or a safe integer number. */
export type QuantityInput = string | number | bigint;

/** Runs a parse step, turning a decimal or currency error into a field error. */
export function collect<T>(errors: FieldError[], parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InvalidDecimalError) {
      errors.push({ field: error.field, message: error.reason });
      return undefined;
    }
    if (error instanceof UnknownCurrencyError) {
      errors.push({
        field: error.field,
        message: `unknown currency; expected an ISO 4217 code such as "USD"`,
      });
      return undefined;
    }
    throw error;
  }
}

export function checkCurrency(currency: unknown, field: string, errors: FieldError[]): string | undefined {
  if (typeof currency !== 'string') {
    errors.push({ field, message: 'must be an ISO 4217 code such as "USD"' });
    return undefined;
  }
  return collect(errors, () => {
    currencyExponent(currency, field);
    return currency;
  });
}

export function checkQuantity(value: unknown, field: string, errors: FieldError[]): Dec | undefined {
  return collect(errors, () => parseQuantity(value, field));
}

/** Array check that keeps the caller's element type (Array.isArray would widen a readonly array to any[]). */
export function isList(value: unknown): boolean {
  return Array.isArray(value);
}
