/** The metered quantities, named as in the product brief and the billing UsageSource port. */
export const METERS = ['requests', 'credits', 'egress_bytes'] as const;
export type Meter = (typeof METERS)[number];

/** One value per meter, as exact decimal strings (64-bit counts and Decimal(38, 6) sums). */
export interface MeterValues {
  requests: string;
  credits: string;
  egress_bytes: string;
}

export function zeroMeters(): MeterValues {
  return { requests: '0', credits: '0', egress_bytes: '0' };
}
