import type { Response } from 'express';
import { renderInvoiceHtml, type BillingServices, type InvoiceView } from '@keymeter/billing';
import { CustomerEntity } from '@keymeter/database';

const HTML_SUFFIX = '.html';

/** `abc.html` → { id: 'abc', html: true }; `?format=html` also asks for HTML. */
export function invoiceRequest(idParam: string, format: string | undefined): { id: string; html: boolean } {
  if (idParam.endsWith(HTML_SUFFIX)) return { id: idParam.slice(0, -HTML_SUFFIX.length), html: true };
  return { id: idParam, html: format === 'html' };
}

/** Sends the invoice as a printable HTML page. */
export async function sendInvoiceHtml(
  billing: BillingServices,
  invoice: InvoiceView,
  response: Response,
): Promise<void> {
  const customer = await billing.dataSource
    .getRepository(CustomerEntity)
    .findOneByOrFail({ id: invoice.customerId });
  response
    .status(200)
    .type('text/html; charset=utf-8')
    .send(renderInvoiceHtml(invoice, { name: customer.name, email: customer.email }));
}
