export { MoneyDecimal, MONEY_ROUNDING, dec, toDecimalString, type Dec } from './decimal';
export { InvalidDecimalError, UnknownCurrencyError } from './errors';
export { currencyExponent, isKnownCurrency, knownCurrencies } from './currencies';
export {
  PRICE_RULES,
  QUANTITY_RULES,
  parseDecimal,
  parsePrice,
  parseQuantity,
  type DecimalRules,
} from './parse-decimal';
export {
  AMOUNT_INPUT_INTEGER_DIGITS,
  COMPUTED_AMOUNT_INTEGER_DIGITS,
  formatAmount,
  fromMinorUnits,
  isWholeMinorAmount,
  parseAmount,
  roundToMinor,
  toMinorUnits,
  type DecimalLike,
} from './amounts';
