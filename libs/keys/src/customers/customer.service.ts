import { QueryFailedError, type DataSource } from 'typeorm';
import { HttpStatus } from '@nestjs/common';
import { CustomerEntity } from '@keymeter/database';
import {
  assertTimeZone,
  currencyExponent,
  InvalidTimeInputError,
  UnknownCurrencyError,
} from '@keymeter/domain';
import { ApiError } from '@keymeter/platform';
import { writeAuditEntry, type AuditActor } from '../audit/audit-log';
import type { Clock } from '../clock';
import {
  describeInput,
  isUuid,
  readText,
  requireObject,
  throwIfIssues,
  unknownPropertyIssues,
  type FieldIssue,
} from '../input/fields';

export interface CustomerView {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly timezone: string;
  readonly currency: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface NewCustomer {
  readonly name: string;
  readonly email: string;
  readonly timezone: string;
  readonly currency: string;
}

const CREATE_FIELDS = ['name', 'email', 'timezone', 'currency'];
const NAME_MAX_LENGTH = 200;
const EMAIL_MAX_LENGTH = 254;
/** One @, something on both sides, a dot in the domain, no spaces: typos caught, nothing more promised. */
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Checks a create-customer body; every problem is reported, each naming its field. */
export function parseNewCustomer(body: unknown): NewCustomer {
  const input = requireObject(body);
  const issues: FieldIssue[] = unknownPropertyIssues(input, CREATE_FIELDS);
  const name = readText(input.name, 'name', issues, { maxLength: NAME_MAX_LENGTH });
  const email = readText(input.email, 'email', issues, { maxLength: EMAIL_MAX_LENGTH });
  if (email !== undefined && !EMAIL_SHAPE.test(email)) {
    issues.push({ field: 'email', reason: `must be an email address, got ${describeInput(email)}` });
  }
  let timezone: string | undefined;
  try {
    timezone = assertTimeZone(input.timezone, 'timezone');
  } catch (error) {
    if (!(error instanceof InvalidTimeInputError)) throw error;
    issues.push({ field: error.field, reason: error.reason });
  }
  let currency: string | undefined;
  try {
    currencyExponent(input.currency as string, 'currency');
    currency = input.currency as string;
  } catch (error) {
    if (!(error instanceof UnknownCurrencyError)) throw error;
    issues.push({
      field: 'currency',
      reason: `must be an ISO 4217 code such as "USD" (upper case), got ${describeInput(input.currency)}`,
    });
  }
  throwIfIssues(issues);
  return { name: name!, email: email!, timezone: timezone!, currency: currency! };
}

export function toCustomerView(customer: CustomerEntity): CustomerView {
  return {
    id: customer.id,
    name: customer.name,
    email: customer.email,
    timezone: customer.timezone,
    currency: customer.currency,
    createdAt: customer.createdAt.toISOString(),
    updatedAt: customer.updatedAt.toISOString(),
  };
}

/** Customers: the minimal account (billing extends it). */
export class CustomerService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async create(body: unknown, actor: AuditActor): Promise<CustomerView> {
    const input = parseNewCustomer(body);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const customer = await manager.save(manager.create(CustomerEntity, input));
        await writeAuditEntry(
          manager,
          actor,
          'customer.created',
          { type: 'customer', id: customer.id },
          { name: input.name, email: input.email, timezone: input.timezone, currency: input.currency },
          this.clock(),
        );
        return toCustomerView(customer);
      });
    } catch (error) {
      if (isUniqueViolation(error, 'customers_email_lower_key')) {
        throw new ApiError(
          HttpStatus.CONFLICT,
          'conflict',
          'email: a customer with this email already exists',
          [{ field: 'email', reason: 'is already used by another customer' }],
        );
      }
      throw error;
    }
  }

  /** The customer, or 404. */
  async get(id: string): Promise<CustomerView> {
    return toCustomerView(await this.find(id));
  }

  async find(id: string): Promise<CustomerEntity> {
    const customer = isUuid(id)
      ? await this.dataSource.getRepository(CustomerEntity).findOneBy({ id })
      : null;
    if (customer === null) throw ApiError.notFound(`customer ${JSON.stringify(id)}`);
    return customer;
  }
}

export function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === '23505' && driverError.constraint === constraint;
}
