import { Controller, Get, Inject, Param, Query, Res, UseFilters } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  BillingError,
  type BillingServices,
  type InvoiceView,
  type UpcomingInvoice,
} from '@keymeter/billing';
import type { AuthenticatedCustomer } from '@keymeter/keys';
import { CurrentCustomer, RequireScope } from '../auth';
import { BillingErrorsFilter } from './billing-errors.filter';
import { BILLING_SERVICES } from './billing-services.token';
import { invoiceRequest, sendInvoiceHtml } from './invoice-html';
import { InvoiceDto, UpcomingInvoiceDto } from './invoices.dto';

/** The calling key's customer's invoices, and no other customer's. */
@ApiTags('customer API')
@Controller('v1/me/invoices')
@RequireScope('usage:read')
@UseFilters(BillingErrorsFilter)
export class MeInvoicesController {
  constructor(@Inject(BILLING_SERVICES) private readonly billing: BillingServices) {}

  /** Drafts are not shown: a customer sees finalized and void invoices. */
  @Get()
  @ApiOkResponse({
    type: [InvoiceDto],
    description: 'Finalized and void invoices of the calling key’s customer',
  })
  async list(@CurrentCustomer() caller: AuthenticatedCustomer): Promise<InvoiceView[]> {
    const invoices = await this.billing.invoices.list({ customerId: caller.customerId });
    return invoices.filter((invoice) => invoice.status !== 'draft');
  }

  /** What the current period's invoice would be if it closed now. */
  @Get('upcoming')
  @ApiOkResponse({ type: UpcomingInvoiceDto, description: 'Computed now, not stored' })
  upcoming(@CurrentCustomer() caller: AuthenticatedCustomer): Promise<UpcomingInvoice> {
    return this.billing.invoices.upcoming(caller.customerId);
  }

  @Get(':id')
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'html'] })
  @ApiProduces('application/json', 'text/html')
  @ApiOkResponse({ type: InvoiceDto })
  @ApiNotFoundResponse({ description: 'No such invoice for this customer (another customer’s, or a draft)' })
  async get(
    @CurrentCustomer() caller: AuthenticatedCustomer,
    @Param('id') idParam: string,
    @Query('format') format: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<InvoiceView | undefined> {
    const { id, html } = invoiceRequest(idParam, format);
    const invoice = await this.billing.invoices.get(id);
    // Another customer's invoice, or a draft, does not exist for this caller.
    if (invoice.customerId !== caller.customerId || invoice.status === 'draft') {
      throw BillingError.notFound(`invoice ${id}`);
    }
    if (!html) return invoice;
    await sendInvoiceHtml(this.billing, invoice, response);
    return undefined;
  }
}
