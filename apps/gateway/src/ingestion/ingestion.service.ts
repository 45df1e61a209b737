import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { parseUsageEvent, USAGE_EVENT_LIMITS, type UsageEventV1 } from '@keymeter/contracts';
import { SpoolFullError } from '@keymeter/event-sink';
import { ApiError } from '@keymeter/platform';
import { cloudEventFieldName, cloudEventToUsageCandidate } from './cloud-event-mapping';
import type { EventError, IngestionResult } from './ingestion-result';
import {
  DEFAULT_INGESTION_LIMITS,
  INGESTION_OPTIONS,
  type IngestionLimits,
  type IngestionModuleOptions,
} from './ingestion.options';
import { parseJsonBody, parseNdjsonBody, type BodyItem } from './request-body';
import { frameJsonArray, frameNdjson, UsageEventBatchBuilder, type ParsedItem } from './usage-event-batch';

export type EventFormat = 'usage-event' | 'cloudevent';

/** How a `POST /v1/events` body holds its events. */
export type UsageEventFraming = 'json-array' | 'ndjson';

/**
 * Validates a batch event by event, collapses repeats of an event id within the batch, and hands the
 * valid events to the sink durably. Ids already accepted by earlier requests are not looked up here:
 * the ingestor counts each event id once (see docs/ingestion.md).
 */
@Injectable()
export class IngestionService {
  readonly limits: IngestionLimits;
  private readonly now: () => Date;

  constructor(@Inject(INGESTION_OPTIONS) private readonly options: IngestionModuleOptions) {
    this.limits = { ...DEFAULT_INGESTION_LIMITS, ...options.limits };
    this.now = options.now ?? (() => new Date());
  }

  authenticate(authorization: string | undefined): void {
    const token = bearerToken(authorization);
    const verification = this.options.verifier.verifyIngestToken(token, this.now().getTime());
    if (!verification.ok) {
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'unauthenticated',
        verification.reason === 'missing'
          ? 'an ingest token is required: Authorization: Bearer <token>'
          : `the ingest token was refused (${verification.reason})`,
        { reason: verification.reason },
        { 'WWW-Authenticate': 'Bearer' },
      );
    }
  }

  /**
   * `POST /v1/events`: the body's UsageEvents, answered as `ingest` answers the items of
   * `parseJsonBody(body, false)` or `parseNdjsonBody(body)`. When the sink takes encoded batches, events
   * already in canonical form go from the body's bytes to the batch without becoming objects (see
   * `scanUsageEvent`); every other event goes through JSON.parse and `parseUsageEvent` as before.
   */
  async ingestUsageEvents(body: Buffer, framing: UsageEventFraming): Promise<IngestionResult> {
    const sink = this.options.sink;
    if (sink.emitBatchDurably === undefined) {
      return this.ingest(
        framing === 'ndjson' ? parseNdjsonBody(body) : parseJsonBody(body, false),
        'usage-event',
      );
    }
    const receivedAt = this.now();
    const latestOccurredAtMs = receivedAt.getTime() + USAGE_EVENT_LIMITS.maxFutureSkewMs;
    const parse = (item: BodyItem, index: number): ParsedItem =>
      this.parseItem(item, index, 'usage-event', receivedAt);
    let builder = new UsageEventBatchBuilder(body, latestOccurredAtMs, parse);
    const framed =
      framing === 'ndjson'
        ? frameNdjson(body, builder, this.limits.maxEvents)
        : frameJsonArray(body, builder, this.limits.maxEvents);
    if (!framed && framing === 'json-array') {
      // Not a valid, non-empty JSON array within the limit: the full way words the answer.
      const items = parseJsonBody(body, false);
      this.checkItemCount(items.length);
      builder = new UsageEventBatchBuilder(body, latestOccurredAtMs, parse);
      for (const item of items) builder.add(item);
    } else {
      this.checkItemCount(builder.items);
    }
    if (builder.count > 0) await this.emitDurably(() => sink.emitBatchDurably!(builder.batch()));
    return this.result(builder.items, builder.count, builder.duplicates, builder.rejected, builder.errors);
  }

  async ingest(items: readonly BodyItem[], format: EventFormat): Promise<IngestionResult> {
    this.checkItemCount(items.length);
    const receivedAt = this.now();
    const errors: EventError[] = [];
    const accepted: UsageEventV1[] = [];
    /** First index and event of each event id in this request. */
    const seen = new Map<string, { index: number; event: UsageEventV1 }>();
    let duplicates = 0;
    let rejected = 0;
    items.forEach((item, index) => {
      const parsed = this.parseItem(item, index, format, receivedAt);
      if (!parsed.ok) {
        rejected++;
        errors.push(...parsed.errors);
        return;
      }
      const earlier = seen.get(parsed.event.id);
      if (earlier === undefined) {
        seen.set(parsed.event.id, { index, event: parsed.event });
        accepted.push(parsed.event);
      } else if (JSON.stringify(earlier.event) === JSON.stringify(parsed.event)) {
        // Canonical JSON (the validator builds events in one field order) compared only for a repeated id,
        // not serialised for every event of the batch.
        duplicates++;
      } else {
        rejected++;
        errors.push({
          index,
          field: 'id',
          reason: `repeats the id of the event at index ${earlier.index} with different content`,
        });
      }
    });
    if (accepted.length > 0) await this.emitDurably(() => this.options.sink.emitDurably(accepted));
    return this.result(items.length, accepted.length, duplicates, rejected, errors);
  }

  private checkItemCount(count: number): void {
    if (count === 0) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'empty_batch', 'the request holds no events');
    }
    if (count > this.limits.maxEvents) {
      throw new ApiError(
        HttpStatus.PAYLOAD_TOO_LARGE,
        'too_many_events',
        `a request may hold at most ${this.limits.maxEvents} events, got ${count}`,
        { maxEvents: this.limits.maxEvents },
      );
    }
  }

  private async emitDurably(emit: () => Promise<void>): Promise<void> {
    try {
      await emit();
    } catch (error) {
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'ingestion_unavailable',
        'events could not be stored durably right now; retry the request',
        error instanceof SpoolFullError ? { reason: 'spool_full' } : undefined,
        { 'Retry-After': '5' },
      );
    }
  }

  private result(
    items: number,
    accepted: number,
    duplicates: number,
    rejected: number,
    errors: EventError[],
  ): IngestionResult {
    if (accepted === 0 && duplicates === 0) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'invalid_events', `none of the ${items} events is valid`, {
        accepted: 0,
        duplicates: 0,
        rejected,
        errors,
      });
    }
    return { accepted, duplicates, rejected, errors };
  }

  private parseItem(item: BodyItem, index: number, format: EventFormat, receivedAt: Date): ParsedItem {
    if (!item.ok) return { ok: false, errors: [{ ...item.error, index }] };
    let candidate: unknown = item.value;
    if (format === 'cloudevent') {
      const mapped = cloudEventToUsageCandidate(item.value, receivedAt);
      if (!mapped.ok) return { ok: false, errors: mapped.errors.map((error) => ({ index, ...error })) };
      candidate = mapped.candidate;
    }
    const result = parseUsageEvent(candidate, { now: receivedAt });
    if (result.ok) return result;
    const name = format === 'cloudevent' ? cloudEventFieldName : (field: string): string => field;
    return {
      ok: false,
      errors: result.errors.map((error) => ({ index, field: name(error.field), reason: error.reason })),
    };
  }
}

function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? match[1] : '';
}
