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
  formatAmount,
  fromMinorUnits,
  isWholeMinorAmount,
  parseAmount,
  roundToMinor,
  toMinorUnits,
  type DecimalLike,
} from './amounts';
