import type { UsageEventSink } from '@keymeter/event-sink';
import type { CredentialVerifier } from '@keymeter/gateway';

export interface IngestionLimits {
  /** Largest accepted request body; a larger one is refused with 413 before it is parsed. */
  readonly maxBodyBytes: number;
  /** Most events in one request; more is refused with 413. */
  readonly maxEvents: number;
}

export const DEFAULT_INGESTION_LIMITS: IngestionLimits = { maxBodyBytes: 5 * 1024 * 1024, maxEvents: 10_000 };

export interface IngestionModuleOptions {
  /** Where accepted events go (`emitDurably`: the response is sent once they are durable). */
  readonly sink: UsageEventSink;
  /** Checks the ingest token given as `Authorization: Bearer <token>`. */
  readonly verifier: CredentialVerifier;
  readonly limits?: Partial<IngestionLimits>;
  /** The receiving clock (occurredAt may be at most 5 minutes ahead of it). Default: the system clock. */
  readonly now?: () => Date;
}

export const INGESTION_OPTIONS = Symbol('INGESTION_OPTIONS');

/** Paths whose bodies the ingestion module reads itself (raw, bounded), before any JSON body parser. */
export const INGESTION_PATHS = ['/v1/events', '/api/v1/events'] as const;
