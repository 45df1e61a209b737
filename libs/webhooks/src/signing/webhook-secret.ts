import { randomBytes } from 'node:crypto';

/** Standard Webhooks secrets are `whsec_` and the base64 of the HMAC key. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** 24 random bytes (192 bits): within the 24–64 bytes the specification recommends. */
const SECRET_BYTES = 24;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** The HMAC key: the base64-decoded part after `whsec_`. */
export function webhookSecretKey(secret: string): Buffer {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) throw new Error('webhook secret must start with whsec_');
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) throw new Error('webhook secret is not base64');
  return Buffer.from(encoded, 'base64');
}
