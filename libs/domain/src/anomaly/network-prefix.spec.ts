import fc from 'fast-check';
import { sourceNetwork } from './network-prefix';

describe('sourceNetwork', () => {
  it.each([
    ['203.0.113.7', '203.0.113.0/24'],
    ['203.0.113.255', '203.0.113.0/24'],
    ['0.0.0.0', '0.0.0.0/24'],
    ['10.1.2.3', '10.1.2.0/24'],
    ['2001:db8:1234:5678::1', '2001:db8:1234::/48'],
    ['2001:DB8:1234:ffff:1:2:3:4', '2001:db8:1234::/48'],
    ['2001:0db8:0000:0001::', '2001:db8::/48'],
    ['2001:db8::1', '2001:db8::/48'],
    ['2001::1', '2001::/48'],
    ['0:db8:0:1::', '0:db8::/48'],
    ['::1', '::/48'],
    ['::', '::/48'],
    ['fe80:0:1:2:3:4:5:6', 'fe80:0:1::/48'],
    ['::ffff:192.0.2.1', '192.0.2.0/24'],
    ['::ffff:c000:0280', '192.0.2.0/24'],
    ['64:ff9b:1::10.0.0.1', '64:ff9b:1::/48'],
  ])('%s is in %s', (ip, network) => {
    expect(sourceNetwork(ip)).toBe(network);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.256',
    '01.2.3.4',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    'fe80::1%eth0',
    'gggg::1',
    '1:2:3:4:5:6:7:8::',
  ])('refuses %j naming the ip', (ip) => {
    expect(() => sourceNetwork(ip)).toThrow(/^ip: /);
  });

  it('puts two IPv4 addresses in one network exactly when their first three octets match', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const address = fc.tuple(octet, octet, octet, octet);
    fc.assert(
      fc.property(address, address, (a, b) => {
        const same = a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
        expect(sourceNetwork(a.join('.')) === sourceNetwork(b.join('.'))).toBe(same);
      }),
    );
  });

  it('puts two IPv6 addresses in one network exactly when their first 48 bits match, however they are written', () => {
    const group = fc.integer({ min: 0, max: 0xffff });
    const address = fc.array(group, { minLength: 8, maxLength: 8 }).filter((groups) => groups[0] !== 0);
    const fullForm = (groups: number[]): string =>
      groups.map((g) => g.toString(16).padStart(4, '0')).join(':');
    const shortForm = (groups: number[]): string => groups.map((g) => g.toString(16)).join(':');
    fc.assert(
      fc.property(address, address, (a, b) => {
        const same = a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
        expect(sourceNetwork(fullForm(a)) === sourceNetwork(shortForm(b))).toBe(same);
        // The network's own text names the same network.
        const network = sourceNetwork(shortForm(a));
        expect(sourceNetwork(network.replace('/48', ''))).toBe(network);
      }),
    );
  });
});
