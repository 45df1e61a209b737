import {
  formatAmount,
  isKnownCurrency,
  InvalidDecimalError,
  parseAmount,
  validatePriceModel,
  type FieldError,
  type PriceModel,
} from '@keymeter/domain';
import { METERS, type Meter, type PlanTerms } from './plan-terms';

export type NewPlan = Omit<PlanTerms, 'id'>;

export type PlanInputValidation = { ok: true; plan: NewPlan } | { ok: false; errors: FieldError[] };

const PLAN_KEYS = ['name', 'currency', 'fixedFee', 'minimumCommitment', 'meters'];
const MAX_NAME_LENGTH = 200;

/**
 * Checks a plan as sent to `POST /v1/plans` and returns it in canonical form, or every error, each
 * naming its field (`currency`, `fixedFee`, `meters.credits.tiers[1].upTo`).
 */
export function validatePlanInput(input: unknown): PlanInputValidation {
  const errors: FieldError[] = [];
  if (!isRecord(input)) {
    return { ok: false, errors: [{ field: 'body', message: 'must be a JSON object' }] };
  }
  for (const key of Object.keys(input)) {
    if (!PLAN_KEYS.includes(key)) {
      errors.push({ field: key, message: `is not a known field (allowed: ${PLAN_KEYS.join(', ')})` });
    }
  }
  const name = readName(input.name, errors);
  const currency = readCurrency(input.currency, errors);
  const fixedFee = readAmount(input.fixedFee, currency, 'fixedFee', errors);
  const minimumCommitment = readAmount(input.minimumCommitment, currency, 'minimumCommitment', errors);
  const meters = readMeters(input.meters, errors);
  if (errors.length > 0 || name === undefined || currency === undefined || meters === undefined) {
    return { ok: false, errors };
  }
  if (Object.keys(meters).length === 0 && fixedFee === null) {
    return {
      ok: false,
      errors: [{ field: 'meters', message: 'must price at least one meter when the plan has no fixedFee' }],
    };
  }
  return { ok: true, plan: { name, currency, fixedFee, minimumCommitment, meters } };
}

function readName(value: unknown, errors: FieldError[]): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    errors.push({ field: 'name', message: 'is required: a non-empty text' });
    return undefined;
  }
  if (value.trim().length > MAX_NAME_LENGTH) {
    errors.push({ field: 'name', message: `must be at most ${MAX_NAME_LENGTH} characters` });
    return undefined;
  }
  return value.trim();
}

function readCurrency(value: unknown, errors: FieldError[]): string | undefined {
  if (typeof value !== 'string' || !isKnownCurrency(value)) {
    errors.push({
      field: 'currency',
      message: `must be an upper-case ISO 4217 code such as USD or JPY; got ${JSON.stringify(value ?? null)}`,
    });
    return undefined;
  }
  return value;
}

function readAmount(
  value: unknown,
  currency: string | undefined,
  field: string,
  errors: FieldError[],
): string | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (currency === undefined) {
    return null;
  }
  try {
    return formatAmount(parseAmount(value, currency, field), currency);
  } catch (error) {
    if (error instanceof InvalidDecimalError) {
      errors.push({ field: error.field, message: error.reason });
      return null;
    }
    throw error;
  }
}

function readMeters(value: unknown, errors: FieldError[]): Partial<Record<Meter, PriceModel>> | undefined {
  if (value === undefined) {
    return {};
  }
  if (!isRecord(value)) {
    errors.push({ field: 'meters', message: `must be an object keyed by meter (${METERS.join(', ')})` });
    return undefined;
  }
  const meters: Partial<Record<Meter, PriceModel>> = {};
  for (const [key, model] of Object.entries(value)) {
    if (!(METERS as readonly string[]).includes(key)) {
      errors.push({ field: `meters.${key}`, message: `is not a meter (meters: ${METERS.join(', ')})` });
      continue;
    }
    const validation = validatePriceModel(model, `meters.${key}`);
    if (validation.ok) {
      meters[key as Meter] = validation.model;
    } else {
      errors.push(...validation.errors);
    }
  }
  return meters;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
