import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { isIpAddress } from '..';

const ajv = new Ajv2020();
addFormats(ajv, ['ipv4', 'ipv6']);
const formatAccepts = ajv.compile({ type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] });

describe('isIpAddress', () => {
  it('accepts every generated IPv4 and IPv6 address', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (address) => {
        expect(isIpAddress(address)).toBe(true);
      }),
    );
  });

  it.each([
    '0.0.0.0',
    '255.255.255.255',
    '::',
    '::1',
    '1::',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7::',
    '::2:3:4:5:6:7:8',
    '1:2:3:4:5:6:1.2.3.4',
    '::ffff:10.0.0.1',
    'FE80::A:b:C',
    '',
    '1.2.3.4.5',
    '1.2.3.04',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '1::2::3',
    ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:',
    '12345::',
    '1.2.3.4::',
    '::1.2.3.4:5',
    'g::1',
    'fe80::1%eth0',
  ])('agrees with the JSON Schema formats on %j', (address) => {
    expect(isIpAddress(address)).toBe(formatAccepts(address));
  });
});
