import {
  FRAME_HEADER_BYTES,
  decodeFrame,
  encodeFrame,
  encodedSize,
  probeFrame,
  type RecordToAppend,
} from '../src/embedded/record-codec';

function encode(records: readonly RecordToAppend[], firstOffset = 0, timestamp = 1_700_000_000_000): Buffer {
  const buffer = Buffer.alloc(records.reduce((sum, record) => sum + encodedSize(record), 0));
  let at = 0;
  records.forEach((record, index) => {
    at = encodeFrame(record, firstOffset + index, timestamp + index, buffer, at);
  });
  expect(at).toBe(buffer.length);
  return buffer;
}

describe('embedded log record framing', () => {
  const records: RecordToAppend[] = [
    { key: 'k1', value: Buffer.from('hello'), headers: { a: '1', 'ü-name': 'välue' } },
    { key: null, value: Buffer.alloc(0), headers: {} },
    {
      key: '',
      value: Buffer.from([0, 255, 0]),
      headers: Object.fromEntries([['__proto__', 'kept as a header']]),
    },
  ];

  it('reads back what it wrote, frame after frame', () => {
    const buffer = encode(records, 41);
    let at = 0;
    const decoded = [];
    while (at < buffer.length) {
      const probe = probeFrame(buffer, at, buffer.length);
      if (probe.kind !== 'frame') throw new Error(`unexpected ${probe.kind} at ${at}`);
      decoded.push(decodeFrame(buffer, probe.frame));
      at += probe.frame.frameBytes;
    }
    expect(decoded.map((r) => r.offset)).toEqual([41, 42, 43]);
    expect(decoded.map((r) => r.timestamp)).toEqual([
      1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_002,
    ]);
    expect(decoded.map((r) => r.key)).toEqual(['k1', null, '']);
    expect(decoded.map((r) => r.value.toString('hex'))).toEqual(['68656c6c6f', '', '00ff00']);
    expect(decoded[0].headers).toEqual({ a: '1', 'ü-name': 'välue' });
    expect(Object.entries(decoded[2].headers)).toEqual([['__proto__', 'kept as a header']]);
  });

  it('tells a frame cut short from a complete one, wherever it is cut', () => {
    const buffer = encode([records[0]]);
    for (let length = 0; length < buffer.length; length += 1) {
      expect(probeFrame(buffer.subarray(0, length), 0, length).kind).toBe('incomplete');
    }
    expect(probeFrame(buffer, 0, buffer.length).kind).toBe('frame');
  });

  it('rejects a frame with any single byte of its body changed', () => {
    const buffer = encode([records[0]]);
    for (let position = FRAME_HEADER_BYTES; position < buffer.length; position += 1) {
      const damaged = Buffer.from(buffer);
      damaged[position] = damaged[position] ^ 0x01;
      expect(probeFrame(damaged, 0, damaged.length)).toEqual({ kind: 'invalid', reason: 'CRC mismatch' });
    }
  });

  it('rejects zeros and lengths no frame can have', () => {
    const zeros = Buffer.alloc(64);
    expect(probeFrame(zeros, 0, zeros.length).kind).toBe('invalid');
    const huge = Buffer.alloc(64);
    huge.writeUInt32BE(0xffffffff, 0);
    expect(probeFrame(huge, 0, huge.length).kind).toBe('invalid');
  });
});
