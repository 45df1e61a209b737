import { createHmac } from 'node:crypto';
import { webhookSecretKey } from './webhook-secret';

export interface WebhookHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` with the key of `secret`. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', webhookSecretKey(secret))
    .update(`${id}.${timestampSeconds}.${body}`, 'utf8')
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * The three Standard Webhooks headers of one request. With several secrets (the current one and a
 * rotated-out one still in its grace period) the signature header lists one signature per secret,
 * space-separated, so a receiver holding either secret verifies.
 */
export function webhookHeaders(input: {
  readonly id: string;
  readonly sentAt: Date;
  readonly body: string;
  readonly secrets: readonly string[];
}): WebhookHeaders {
  if (input.secrets.length === 0) throw new Error('at least one webhook secret is needed to sign');
  const timestamp = Math.floor(input.sentAt.getTime() / 1000);
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': input.secrets.map((s) => signWebhook(s, input.id, timestamp, input.body)).join(' '),
  };
}
