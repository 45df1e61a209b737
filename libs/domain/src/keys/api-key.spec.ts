import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  API_KEY_BODY_LENGTH,
  API_KEY_PATTERN,
  API_KEY_SCAN_PATTERN,
  generateApiKey,
  hashApiKey,
  hashesEqual,
  parseApiKey,
  redactApiKeys,
  type ApiKeyEnvironment,
} from './api-key';
import { BASE62_ALPHABET } from './base62';

const fixedBytes =
  (bytes: Uint8Array) =>
  (size: number): Uint8Array => {
    expect(size).toBe(bytes.length);
    return bytes;
  };

const environmentArb = fc.constantFrom<ApiKeyEnvironment>('live', 'test');
const randomArb = fc.uint8Array({ minLength: 24, maxLength: 24 });

describe('generateApiKey', () => {
  it('produces km_<env>_ + 33 base62 digits of random data + 6 of checksum', () => {
    const key = generateApiKey('live', (size) => new Uint8Array(cryptoRandomBytes(size)));
    expect(key.plaintext).toMatch(/^km_live_[0-9A-Za-z]{39}$/);
    expect(key.plaintext).toHaveLength(47);
    expect(key.environment).toBe('live');
    expect(key.prefix).toBe(key.plaintext.slice(0, 12));
    expect(key.hash).toBe(hashApiKey(key.plaintext));
    expect(key.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(API_KEY_BODY_LENGTH).toBe(33);
  });

  it('is deterministic in its random input, and different random input gives a different key', () => {
    const bytes = new Uint8Array(24).map((_, index) => index * 7);
    const first = generateApiKey('test', fixedBytes(bytes));
    expect(generateApiKey('test', fixedBytes(bytes))).toEqual(first);
    const other = new Uint8Array(bytes);
    other[23] ^= 1;
    expect(generateApiKey('test', fixedBytes(other)).plaintext).not.toBe(first.plaintext);
  });

  it('keeps the documented form for a known input', () => {
    const key = generateApiKey('test', fixedBytes(new Uint8Array(24)));
    expect(key.plaintext.startsWith(`km_test_${'0'.repeat(33)}`)).toBe(true);
    expect(parseApiKey(key.plaintext)).toEqual({
      ok: true,
      environment: 'test',
      prefix: 'km_test_0000',
      hash: key.hash,
    });
  });

  it('produces the example key of docs/keys.md', () => {
    const bytes = new Uint8Array(Buffer.from('00112233445566778899aabbccddeeff0011223344556677', 'hex'));
    const key = generateApiKey('test', fixedBytes(bytes));
    expect(key.plaintext).toBe('km_test_002m5tuTuyngBseW3FGiRdZQys4Y2RMP94aw6fp');
    expect(key.prefix).toBe('km_test_002m');
  });

  it('refuses a random source that returns the wrong number of bytes', () => {
    expect(() => generateApiKey('live', () => new Uint8Array(16))).toThrow(
      /randomBytes: returned 16 bytes, 24/,
    );
  });

  it('refuses an unknown environment', () => {
    expect(() => generateApiKey('prod' as ApiKeyEnvironment, () => new Uint8Array(24))).toThrow(
      /environment/,
    );
  });
});

describe('parseApiKey', () => {
  it('accepts every generated key, with its environment and stored hash', () => {
    fc.assert(
      fc.property(environmentArb, randomArb, (environment, bytes) => {
        const key = generateApiKey(environment, fixedBytes(bytes));
        const parsed = parseApiKey(key.plaintext);
        expect(parsed).toEqual({ ok: true, environment, prefix: key.prefix, hash: key.hash });
        expect(parsed.ok && hashesEqual(parsed.hash, key.hash)).toBe(true);
        expect(API_KEY_PATTERN.test(key.plaintext)).toBe(true);
        expect(new RegExp(API_KEY_SCAN_PATTERN.source).test(`token=${key.plaintext};`)).toBe(true);
      }),
    );
  });

  it('rejects any single-character change of a generated key without a lookup', () => {
    const replacement = fc.constantFrom(...`${BASE62_ALPHABET}_-. `.split(''));
    fc.assert(
      fc.property(
        environmentArb,
        randomArb,
        fc.nat(46),
        replacement,
        (environment, bytes, position, character) => {
          const { plaintext } = generateApiKey(environment, fixedBytes(bytes));
          fc.pre(plaintext[position] !== character);
          const changed = plaintext.slice(0, position) + character + plaintext.slice(position + 1);
          const parsed = parseApiKey(changed);
          expect(parsed.ok).toBe(false);
          if (!parsed.ok) {
            expect(['bad_checksum', 'malformed']).toContain(parsed.reason);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reports a mistyped body character as a bad checksum', () => {
    const { plaintext } = generateApiKey('live', fixedBytes(new Uint8Array(24).fill(9)));
    const position = 20;
    const swapped = plaintext[position] === 'a' ? 'b' : 'a';
    expect(parseApiKey(plaintext.slice(0, position) + swapped + plaintext.slice(position + 1))).toEqual({
      ok: false,
      reason: 'bad_checksum',
    });
  });

  it.each([
    [undefined, 'missing'],
    [null, 'missing'],
    ['', 'missing'],
    ['km_live_short', 'malformed'],
    ['sk_live_' + 'a'.repeat(39), 'malformed'],
    ['km_prod_' + 'a'.repeat(39), 'malformed'],
    ['km_live_' + 'a'.repeat(40), 'malformed'],
    ['km_live_' + 'a'.repeat(38) + '!', 'malformed'],
    ['km_live_' + 'a'.repeat(39), 'bad_checksum'],
  ] as const)('rejects %j as %s', (text, reason) => {
    expect(parseApiKey(text)).toEqual({ ok: false, reason });
  });

  it('does not trim: surrounding whitespace is malformed', () => {
    const { plaintext } = generateApiKey('live', fixedBytes(new Uint8Array(24).fill(1)));
    expect(parseApiKey(` ${plaintext}`)).toEqual({ ok: false, reason: 'malformed' });
    expect(parseApiKey(`${plaintext}\n`)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('hashesEqual', () => {
  const a = hashApiKey('km_live_a');
  const b = hashApiKey('km_live_b');

  it('is true only for the same digest', () => {
    expect(hashesEqual(a, a)).toBe(true);
    expect(hashesEqual(a, `${a}`)).toBe(true);
    expect(hashesEqual(a, b)).toBe(false);
  });

  it('is false, without throwing, for anything that is not a SHA-256 hex digest', () => {
    expect(hashesEqual(a, a.slice(0, 62))).toBe(false);
    expect(hashesEqual(a.toUpperCase(), a.toUpperCase())).toBe(false);
    expect(hashesEqual('', '')).toBe(false);
    expect(hashesEqual(`${a}00`, `${a}00`)).toBe(false);
  });

  it('hashes the whole plaintext with SHA-256', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('redactApiKeys', () => {
  it('replaces every key in free text by its display prefix', () => {
    const first = generateApiKey('live', fixedBytes(new Uint8Array(24).fill(3))).plaintext;
    const second = generateApiKey('test', fixedBytes(new Uint8Array(24).fill(4))).plaintext;
    const redacted = redactApiKeys(`Authorization: Bearer ${first}, X-API-Key: ${second}`);
    expect(redacted).not.toContain(first);
    expect(redacted).not.toContain(second);
    expect(redacted).toBe(`Authorization: Bearer ${first.slice(0, 12)}…, X-API-Key: ${second.slice(0, 12)}…`);
  });

  it('leaves text without keys alone', () => {
    expect(redactApiKeys('km_live_tooShort and nothing else')).toBe('km_live_tooShort and nothing else');
  });
});
