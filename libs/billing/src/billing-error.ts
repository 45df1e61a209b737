/** What kind of failure a billing operation reports; the HTTP layer maps it to a status. */
export type BillingErrorKind = 'invalid' | 'not_found' | 'conflict' | 'unavailable';

export interface BillingFieldIssue {
  field: string;
  reason: string;
}

/** A refused billing operation, with a stable code and a message naming the field or the state at fault. */
export class BillingError extends Error {
  override readonly name = 'BillingError';

  constructor(
    readonly kind: BillingErrorKind,
    readonly code: string,
    message: string,
    readonly issues?: readonly BillingFieldIssue[],
  ) {
    super(message);
  }

  static invalid(issues: readonly BillingFieldIssue[]): BillingError {
    const first = issues[0];
    return new BillingError(
      'invalid',
      'invalid_request',
      first ? `${first.field}: ${first.reason}` : 'the request is invalid',
      issues,
    );
  }

  static notFound(what: string): BillingError {
    return new BillingError('not_found', 'not_found', `${what} was not found`);
  }
}
