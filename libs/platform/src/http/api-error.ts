import { HttpException, HttpStatus } from '@nestjs/common';

export interface FieldIssue {
  readonly field: string;
  readonly reason: string;
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}

/** An error the API returns as `{ "error": { code, message, details } }` with its HTTP status. */
export class ApiError extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(
      { error: { code, message, ...(details === undefined ? {} : { details }) } } satisfies ErrorBody,
      status,
    );
  }

  static validation(issues: readonly FieldIssue[]): ApiError {
    const first = issues[0];
    const message = first ? `${first.field}: ${first.reason}` : 'The request is invalid';
    return new ApiError(HttpStatus.BAD_REQUEST, 'invalid_request', message, issues);
  }

  static notFound(what: string): ApiError {
    return new ApiError(HttpStatus.NOT_FOUND, 'not_found', `${what} was not found`);
  }
}
