import { parseApiKey } from './api-key';
import { generateToken, parseToken, TOKEN_SCAN_PATTERN, tokenDisplayPrefix } from './token-format';

const bytes = (fill: number) => (size: number) => new Uint8Array(size).fill(fill);

describe('portal tokens', () => {
  it('carry their own prefix and checksum, and parse only as portal tokens', () => {
    const token = generateToken('portal', bytes(7));
    expect(token.plaintext).toMatch(/^km_portal_[0-9A-Za-z]{39}$/);
    expect(token.prefix).toBe(tokenDisplayPrefix('portal', token.plaintext));
    expect(token.prefix).toHaveLength('km_portal_'.length + 4);
    expect(parseToken('portal', token.plaintext)).toEqual({ ok: true, hash: token.hash });
    expect(parseToken('admin', token.plaintext)).toEqual({ ok: false, reason: 'malformed' });
    expect(parseToken('ingest', token.plaintext)).toEqual({ ok: false, reason: 'malformed' });
    expect(parseApiKey(token.plaintext).ok).toBe(false);
  });

  it('refuses a mistyped token without a lookup', () => {
    const { plaintext } = generateToken('portal', bytes(9));
    const last = plaintext.at(-1) === 'a' ? 'b' : 'a';
    expect(parseToken('portal', plaintext.slice(0, -1) + last)).toEqual({
      ok: false,
      reason: 'bad_checksum',
    });
    expect(parseToken('portal', '')).toEqual({ ok: false, reason: 'missing' });
  });

  it('are found in free text by the scan pattern', () => {
    const { plaintext } = generateToken('portal', bytes(3));
    expect(TOKEN_SCAN_PATTERN.test(`leaked: ${plaintext} in a log`)).toBe(true);
  });
});
