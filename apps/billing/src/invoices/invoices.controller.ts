import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res, UseFilters } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { BillingServices, InvoiceRunResult, InvoiceView, RederivationResult } from '@keymeter/billing';
import { AdminAuth } from '../auth';
import { BillingErrorsFilter } from './billing-errors.filter';
import { BILLING_SERVICES } from './billing-services.token';
import { invoiceRequest, sendInvoiceHtml } from './invoice-html';
import { InvoiceDto, InvoiceRunResultDto, RederivationResultDto, RunInvoicesDto } from './invoices.dto';

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
  @ApiBody({ type: RunInvoicesDto })
  @ApiOkResponse({ type: InvoiceRunResultDto, description: 'One result per customer, in customer order' })
  @ApiBadRequestResponse({ description: 'period or customerId invalid (details name the field)' })
  @ApiNotFoundResponse({ description: 'No customer with this customerId' })
  @ApiServiceUnavailableResponse({
    description: 'Usage source unreachable (usage_unavailable); nothing billed',
  })
  run(@Body() body: RunBody | undefined): Promise<InvoiceRunResult> {
    return this.billing.invoices.run({ period: body?.period, customerId: body?.customerId });
  }

  @Get()
  @ApiQuery({ name: 'customerId', required: false })
  @ApiQuery({ name: 'period', required: false, example: '2026-11' })
  @ApiQuery({ name: 'status', required: false, enum: ['draft', 'finalized', 'void'] })
  @ApiOkResponse({ type: [InvoiceDto] })
  @ApiBadRequestResponse({ description: 'period or status invalid' })
  list(
    @Query('customerId') customerId?: string,
    @Query('period') period?: string,
    @Query('status') status?: string,
  ): Promise<InvoiceView[]> {
    return this.billing.invoices.list({ customerId, period, status });
  }

  /** The invoice as JSON, or as printable HTML at `/v1/invoices/:id.html` or with `?format=html`. */
  @Get(':id')
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'html'] })
  @ApiProduces('application/json', 'text/html')
  @ApiOkResponse({
    type: InvoiceDto,
    description: 'JSON, or a printable HTML page with format=html or :id.html',
  })
  @ApiNotFoundResponse()
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
  @ApiOkResponse({ type: RederivationResultDto })
  @ApiNotFoundResponse()
  rederive(@Param('id') id: string): Promise<RederivationResult> {
    return this.billing.invoices.rederive(id);
  }

  @Post(':id/finalize')
  @HttpCode(200)
  @ApiOkResponse({ type: InvoiceDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({
    description: 'Not a draft (invoice_not_draft), or within the grace period (grace_period)',
  })
  finalize(@Param('id') id: string): Promise<InvoiceView> {
    return this.billing.invoices.finalize(id);
  }

  @Post(':id/void')
  @HttpCode(200)
  @ApiOkResponse({ type: InvoiceDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'Already void (invoice_void)' })
  void(@Param('id') id: string): Promise<InvoiceView> {
    return this.billing.invoices.void(id);
  }
}
