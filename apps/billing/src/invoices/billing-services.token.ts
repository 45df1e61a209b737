/** Nest injection token of the `BillingServices` the billing controllers use. */
export const BILLING_SERVICES = Symbol('BILLING_SERVICES');
