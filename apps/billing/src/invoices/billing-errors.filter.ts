import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { BillingError, UsageSourceUnavailableError } from '@keymeter/billing';
import { InvalidPricingInputError } from '@keymeter/domain';
import type { ErrorBody } from '@keymeter/platform';

const STATUS: Record<BillingError['kind'], number> = {
  invalid: HttpStatus.BAD_REQUEST,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
};

/** Maps billing errors to the product's JSON error body: 400 naming fields, 404, 409, 503. */
@Catch(BillingError, InvalidPricingInputError, UsageSourceUnavailableError)
export class BillingErrorsFilter implements ExceptionFilter {
  catch(error: Error, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const [status, body] = describe(error);
    response.status(status).json(body);
  }
}

function describe(error: Error): [number, ErrorBody] {
  if (error instanceof BillingError) {
    const details = error.issues === undefined ? {} : { details: error.issues };
    return [STATUS[error.kind], { error: { code: error.code, message: error.message, ...details } }];
  }
  if (error instanceof InvalidPricingInputError) {
    const issues = error.errors.map((e) => ({ field: e.field, reason: e.message }));
    return [
      HttpStatus.BAD_REQUEST,
      { error: { code: 'invalid_request', message: error.message, details: issues } },
    ];
  }
  return [
    HttpStatus.SERVICE_UNAVAILABLE,
    { error: { code: 'usage_unavailable', message: `usage could not be read: ${error.message}` } },
  ];
}
