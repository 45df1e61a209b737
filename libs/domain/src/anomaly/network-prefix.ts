const IPV4 =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

/**
 * The source network a client address belongs to, as anomaly detection groups them: the /24 of an IPv4
 * address (`203.0.113.0/24`) and the /48 of an IPv6 address (`2001:db8:1::/48`, RFC 5952 text). A /24 is
 * what one organisation or cloud subnet usually holds; a /48 is the usual assignment to one IPv6 site, so
 * a client that hops addresses inside its own allocation stays one network. IPv4-mapped IPv6 addresses
 * (`::ffff:192.0.2.1`) are IPv4 clients behind a dual-stack socket and get their IPv4 /24.
 */
export function sourceNetwork(ip: string): string {
  const ipv4 = parseIpv4(ip);
  if (ipv4 !== undefined) {
    return ipv4Network(ipv4);
  }
  const groups = parseIpv6(ip);
  if (groups === undefined) {
    throw new RangeError(`ip: must be an IPv4 or IPv6 address, got ${JSON.stringify(ip)}`);
  }
  const isIpv4Mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (isIpv4Mapped) {
    return ipv4Network([groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8]);
  }
  return ipv6Network48(groups);
}

function ipv4Network(octets: readonly number[]): string {
  return `${octets[0]}.${octets[1]}.${octets[2]}.0/24`;
}

function ipv6Network48(groups: readonly number[]): string {
  const prefix = groups.slice(0, 3);
  // The zero groups at the end of the prefix join the zero host part in one "::" (the longest zero run).
  let last = prefix.length - 1;
  while (last >= 0 && prefix[last] === 0) {
    last -= 1;
  }
  const text = prefix
    .slice(0, last + 1)
    .map((group) => group.toString(16))
    .join(':');
  return `${text}::/48`;
}

function parseIpv4(text: string): number[] | undefined {
  const match = IPV4.exec(text);
  return match === null ? undefined : match.slice(1, 5).map(Number);
}

/** The eight 16-bit groups of a textual IPv6 address (with "::" and a trailing dotted IPv4), or undefined. */
function parseIpv6(text: string): number[] | undefined {
  if (text.length < 2 || text.length > 45 || !text.includes(':')) {
    return undefined;
  }
  const halves = text.split('::');
  if (halves.length > 2) {
    return undefined;
  }
  const head = parseGroups(halves[0], halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1], true) : [];
  if (head === undefined || tail === undefined) {
    return undefined;
  }
  if (halves.length === 1) {
    return head.length === 8 ? head : undefined;
  }
  const missing = 8 - head.length - tail.length;
  // "::" stands for at least one zero group.
  if (missing < 1) {
    return undefined;
  }
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

function parseGroups(part: string, mayEndWithIpv4: boolean): number[] | undefined {
  if (part === '') {
    return [];
  }
  const groups: number[] = [];
  const pieces = part.split(':');
  for (let index = 0; index < pieces.length; index++) {
    const piece = pieces[index];
    if (HEX_GROUP.test(piece)) {
      groups.push(parseInt(piece, 16));
      continue;
    }
    const ipv4 = mayEndWithIpv4 && index === pieces.length - 1 ? parseIpv4(piece) : undefined;
    if (ipv4 === undefined) {
      return undefined;
    }
    groups.push((ipv4[0] << 8) | ipv4[1], (ipv4[2] << 8) | ipv4[3]);
  }
  return groups;
}
