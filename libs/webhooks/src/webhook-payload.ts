/** The JSON body of every webhook request, per the Standard Webhooks specification. */
export interface WebhookPayload {
  readonly type: string;
  /** ISO 8601 instant the event occurred at. */
  readonly timestamp: string;
  readonly data: Record<string, unknown>;
}

export function buildWebhookPayload(
  type: string,
  occurredAt: Date,
  data: Record<string, unknown>,
): WebhookPayload {
  return { type, timestamp: occurredAt.toISOString(), data };
}
