import { ulid } from 'ulid';

/** A `webhook-id`: `msg_` and a ULID, sortable by creation time and unique across instances. */
export function newMessageId(now: Date = new Date()): string {
  return `msg_${ulid(now.getTime())}`;
}
