import fc from 'fast-check';
import {
  BASE62_ALPHABET,
  base62LengthForBytes,
  decodeBase62,
  decodeBase62Integer,
  encodeBase62,
  encodeBase62Integer,
} from './base62';

describe('base62', () => {
  it('uses the digits 0-9, A-Z, a-z in that order', () => {
    expect(BASE62_ALPHABET).toHaveLength(62);
    expect(encodeBase62Integer(61n, 1)).toBe('z');
    expect(encodeBase62Integer(62n, 2)).toBe('10');
    expect(encodeBase62Integer(10n, 3)).toBe('00A');
  });

  it('needs 33 digits for 24 bytes, since 62^32 < 2^192', () => {
    expect(base62LengthForBytes(24)).toBe(33);
    expect(62n ** 32n < 2n ** 192n).toBe(true);
    expect(62n ** 33n >= 2n ** 192n).toBe(true);
    expect(base62LengthForBytes(0)).toBe(0);
    expect(base62LengthForBytes(1)).toBe(2);
  });

  it('encodes all-zero and all-one bytes at the fixed length', () => {
    expect(encodeBase62(new Uint8Array(24))).toBe('0'.repeat(33));
    const max = encodeBase62(new Uint8Array(24).fill(0xff));
    expect(max).toHaveLength(33);
    expect(decodeBase62Integer(max)).toBe(2n ** 192n - 1n);
  });

  it('round-trips any bytes, always at the fixed length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), (bytes) => {
        const text = encodeBase62(bytes);
        expect(text).toHaveLength(base62LengthForBytes(bytes.length));
        expect(text).toMatch(/^[0-9A-Za-z]*$/);
        expect(decodeBase62(text, bytes.length)).toEqual(bytes);
      }),
    );
  });

  it('keeps numeric order in string order at a fixed length', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 62n ** 6n - 1n }),
        fc.bigInt({ min: 0n, max: 62n ** 6n - 1n }),
        (a, b) => {
          const [textA, textB] = [encodeBase62Integer(a, 6), encodeBase62Integer(b, 6)];
          expect(textA < textB).toBe(a < b);
        },
      ),
    );
  });

  it('rejects foreign characters and values that do not fit', () => {
    expect(decodeBase62Integer('ab-c')).toBeUndefined();
    expect(() => decodeBase62('ab_c', 4)).toThrow(/outside the base62 alphabet/);
    expect(() => decodeBase62('zz', 1)).toThrow(/larger than 1 bytes/);
    expect(() => encodeBase62Integer(62n, 1)).toThrow(/needs 2 base62 digits/);
    expect(() => encodeBase62Integer(-1n, 4)).toThrow(/non-negative/);
  });
});
