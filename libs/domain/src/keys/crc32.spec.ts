import { crc32 } from './crc32';

describe('crc32', () => {
  it('matches the check value of CRC-32/IEEE: crc32("123456789") = 0xCBF43926', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
  });

  it('matches known values for the empty input and a pangram', () => {
    expect(crc32('')).toBe(0);
    expect(crc32('The quick brown fox jumps over the lazy dog')).toBe(0x414fa339);
  });

  it('gives the same value for a string and its UTF-8 bytes', () => {
    const text = 'km_live_é';
    expect(crc32(text)).toBe(crc32(new Uint8Array(Buffer.from(text, 'utf8'))));
  });
});
