/**
 * Decimal strings from the API (money and meter values) are added and shown exactly, never through binary
 * floating point: a value is a BigInt of units at a scale.
 */

interface Scaled {
  readonly units: bigint;
  readonly scale: number;
}

function parse(value: string): Scaled {
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(value.trim());
  if (!match) throw new Error(`not a decimal: ${value}`);
  const fraction = match[3] ?? '';
  const units = BigInt(`${match[2] === '' ? '0' : match[2]}${fraction}`);
  return { units: match[1] === '-' ? -units : units, scale: fraction.length };
}

function rescale(value: Scaled, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

function format({ units, scale }: Scaled): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale === 0 ? '' : digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

/** The exact sum of decimal strings, in canonical form (`0`, `12.5`). */
export function addDecimals(values: readonly string[]): string {
  const parsed = values.map(parse);
  const scale = Math.max(0, ...parsed.map((value) => value.scale));
  const units = parsed.reduce((sum, value) => sum + rescale(value, scale), 0n);
  return format({ units, scale });
}

/** A decimal string with thousands separators, digits kept exactly (`1234567.5` → `1,234,567.5`). */
export function groupDigits(value: string): string {
  const [whole, fraction] = value.split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const grouped = whole.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

/** Bytes as the API counts them, with a readable unit beside (display only). */
export function describeBytes(value: string): string {
  const bytes = Number(value);
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let scaled = bytes;
  let unit = 0;
  while (scaled >= 1000 && unit < units.length - 1) {
    scaled /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${groupDigits(value)} B` : `${scaled.toFixed(1)} ${units[unit]}`;
}
