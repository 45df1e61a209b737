/** One offending input: the field it came from and why it is refused. */
export interface UsageFieldIssue {
  readonly field: string;
  readonly reason: string;
}

/** A usage query input that is not acceptable; each issue names its field (HTTP maps it to a 400). */
export class UsageQueryInputError extends Error {
  override readonly name = 'UsageQueryInputError';

  constructor(readonly issues: readonly UsageFieldIssue[]) {
    super(issues.map((issue) => `${issue.field}: ${issue.reason}`).join('; '));
  }

  static of(field: string, reason: string): UsageQueryInputError {
    return new UsageQueryInputError([{ field, reason }]);
  }
}
