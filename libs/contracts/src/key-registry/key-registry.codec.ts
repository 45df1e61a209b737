import type { KeyRegistryRecordV1 } from './key-registry.types';

export function encodeKeyRegistryRecord(record: KeyRegistryRecordV1): Buffer {
  return Buffer.from(JSON.stringify(record), 'utf8');
}

/**
 * Decodes a registry record; returns undefined for anything that is not a v1 record of a known kind,
 * so a gateway skips what a newer billing version may publish instead of crashing on it.
 */
export function decodeKeyRegistryRecord(value: Buffer): KeyRegistryRecordV1 | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Partial<KeyRegistryRecordV1>;
  if (record.v !== 1) return undefined;
  if (record.kind === 'api_key' && typeof record.keyId === 'string' && Array.isArray(record.secrets)) {
    return record as KeyRegistryRecordV1;
  }
  if (record.kind === 'ingest_token' && typeof record.tokenId === 'string' && Array.isArray(record.secrets)) {
    return record as KeyRegistryRecordV1;
  }
  return undefined;
}
