import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res, UseFilters } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { BillingServices, InvoiceRunResult, InvoiceView, RederivationResult } from '@keymeter/billing';
import { AdminAuth } from '../auth';
import { BillingErrorsFilter } from './billing-errors.filter';
import { BILLING_SERVICES } from './billing-services.token';
import { invoiceRequest, sendInvoiceHtml } from './invoice-html';

interface RunBody {
  period?: unknown;
  customerId?: unknown;
}

@ApiTags('invoices')
@Controller('v1/invoices')
@AdminAuth()
@UseFilters(BillingErrorsFilter)
export class InvoicesController {
  constructor(@Inject(BILLING_SERVICES) private readonly billing: BillingServices) {}

  /** `{ period: 'YYYY-MM', customerId? }`: creates or recomputes drafts; finalized invoices stay as they are. */
  @Post('run')
  @HttpCode(200)
  run(@Body() body: RunBody | undefined): Promise<InvoiceRunResult> {
    return this.billing.invoices.run({ period: body?.period, customerId: body?.customerId });
  }

  @Get()
  list(
    @Query('customerId') customerId?: string,
    @Query('period') period?: string,
    @Query('status') status?: string,
  ): Promise<InvoiceView[]> {
    return this.billing.invoices.list({ customerId, period, status });
  }

  /** The invoice as JSON, or as printable HTML at `/v1/invoices/:id.html` or with `?format=html`. */
  @Get(':id')
  async get(
    @Param('id') idParam: string,
    @Query('format') format: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<InvoiceView | undefined> {
    const { id, html } = invoiceRequest(idParam, format);
    const invoice = await this.billing.invoices.get(id);
    if (!html) return invoice;
    await sendInvoiceHtml(this.billing, invoice, response);
    return undefined;
  }

  /** Recomputes a finalized invoice from usage as of its recorded cut-off and compares. */
  @Get(':id/rederivation')
  rederive(@Param('id') id: string): Promise<RederivationResult> {
    return this.billing.invoices.rederive(id);
  }

  @Post(':id/finalize')
  @HttpCode(200)
  finalize(@Param('id') id: string): Promise<InvoiceView> {
    return this.billing.invoices.finalize(id);
  }

  @Post(':id/void')
  @HttpCode(200)
  void(@Param('id') id: string): Promise<InvoiceView> {
    return this.billing.invoices.void(id);
  }
}
