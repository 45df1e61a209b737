/** Reflected CRC-32 polynomial of IEEE 802.3 (the CRC used by zlib, PNG and GitHub's token checksums). */
const POLYNOMIAL = 0xedb88320;

const TABLE: Uint32Array = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte += 1) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit += 1) {
      crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
    }
    table[byte] = crc >>> 0;
  }
  return table;
}

/** CRC-32 (IEEE) of bytes, or of a string's UTF-8 bytes, as an unsigned 32-bit integer. */
export function crc32(data: Uint8Array | string): number {
  if (typeof data === 'string') {
    const ascii = asciiCrc32(data);
    if (ascii !== undefined) return ascii;
  }
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc = TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** An ASCII string is its own UTF-8: read its char codes without encoding it. Undefined for non-ASCII text. */
function asciiCrc32(text: string): number | undefined {
  let crc = 0xffffffff;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code > 0x7f) return undefined;
    crc = TABLE[(crc ^ code) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
