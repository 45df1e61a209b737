import { randomFillSync } from 'node:crypto';

/** Bytes fetched from the CSPRNG at once: one system call per ~400 event ids instead of one per id. */
const POOL_BYTES = 4096;

/**
 * Cryptographically random bytes handed out from a pre-filled pool. The bytes are the CSPRNG's, only fetched
 * in bulk; each byte is handed out once. Returned views are valid until the next call (callers copy or
 * consume them at once, as `newEventId` does).
 */
export class RandomPool {
  private readonly pool = Buffer.allocUnsafe(POOL_BYTES);
  private offset = POOL_BYTES;

  readonly take = (size: number): Uint8Array => {
    if (size > POOL_BYTES) return randomFillSync(Buffer.allocUnsafe(size));
    if (this.offset + size > POOL_BYTES) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const bytes = this.pool.subarray(this.offset, this.offset + size);
    this.offset += size;
    return bytes;
  };
}
