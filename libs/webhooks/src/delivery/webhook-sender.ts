import type { WebhookHeaders } from '../signing/sign-webhook';

/** The answer to one attempt: a status when the receiver answered, an error when it did not. */
export type SendOutcome =
  | { readonly kind: 'answered'; readonly status: number }
  | { readonly kind: 'no_answer'; readonly error: string };

/** Port: POSTs one signed webhook request. Never throws; a timeout is a `no_answer`. */
export interface WebhookSender {
  send(url: string, headers: WebhookHeaders, body: string): Promise<SendOutcome>;
}

/**
 * Sender over Node's fetch. Redirects are not followed (a 3xx is a failed attempt: the receiver should
 * register its final URL, and a redirect must not carry the signed body elsewhere). The response body
 * is discarded unread.
 */
export function createFetchWebhookSender(options: { readonly timeoutMs: number }): WebhookSender {
  return {
    async send(url, headers, body) {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'keymeter-webhooks/1' },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        await response.body?.cancel().catch(() => undefined);
        return { kind: 'answered', status: response.status };
      } catch (error) {
        return { kind: 'no_answer', error: describeFailure(error, options.timeoutMs) };
      }
    },
  };
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const name = errorField(error, 'name');
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  // fetch reports "fetch failed" and puts the reason (ECONNREFUSED, ENOTFOUND, ...) in `cause`.
  const cause = (error as { cause?: unknown } | null)?.cause;
  const reason = errorField(cause, 'code') ?? errorField(cause, 'message');
  const message = errorField(error, 'message') ?? String(error);
  return reason === undefined ? message : `${message}: ${reason}`;
}

/** Duck-typed: errors from fetch may come from another realm, where instanceof Error is false. */
function errorField(value: unknown, field: 'name' | 'code' | 'message'): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const found = (value as Record<string, unknown>)[field];
  return typeof found === 'string' ? found : undefined;
}
