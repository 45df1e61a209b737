import { HttpStatus } from '@nestjs/common';
import { ApiError } from '@keymeter/platform';
import type { EventError } from './ingestion-result';

/** The items of a request body, each either a parsed JSON value or the error that kept it from parsing. */
export type BodyItem =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: EventError };

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** A JSON body: an array of items, or (when `singleAllowed`) one object as a batch of one. */
export function parseJsonBody(body: Buffer, singleAllowed: boolean): BodyItem[] {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new ApiError(
      HttpStatus.BAD_REQUEST,
      'invalid_json',
      `request body is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (Array.isArray(value)) return value.map((item: unknown) => ({ ok: true, value: item }));
  if (singleAllowed && typeof value === 'object' && value !== null) return [{ ok: true, value }];
  throw new ApiError(
    HttpStatus.BAD_REQUEST,
    'invalid_request',
    singleAllowed
      ? 'request body must be a JSON object or an array of objects'
      : 'request body must be a JSON array of events',
  );
}

/** Newline-delimited JSON: one event per non-empty line; a line that does not parse is that item's error. */
export function parseNdjsonBody(body: Buffer): BodyItem[] {
  const items: BodyItem[] = [];
  const lines = body.toString('utf8').split('\n');
  for (const line of lines) {
    const text = line.trim();
    if (text === '') continue;
    try {
      items.push({ ok: true, value: JSON.parse(text) as unknown });
    } catch (error) {
      items.push({
        ok: false,
        error: {
          index: items.length,
          field: '',
          reason: `line is not valid JSON: ${(error as Error).message}`,
        },
      });
    }
  }
  return items;
}
