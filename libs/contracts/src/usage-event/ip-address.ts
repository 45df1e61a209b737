const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const IPV6_MAX_LENGTH = 45;

/** True for a dotted-quad IPv4 address (no leading zeros) or a textual IPv6 address without a zone id. */
export function isIpAddress(value: string): boolean {
  return IPV4.test(value) || isIpv6(value);
}

function isIpv6(value: string): boolean {
  if (value.length < 2 || value.length > IPV6_MAX_LENGTH || !value.includes(':')) {
    return false;
  }
  const halves = value.split('::');
  if (halves.length > 2) {
    return false;
  }
  const groupCount = halves.reduce<number | undefined>((count, half, index) => {
    if (count === undefined) {
      return undefined;
    }
    const isLast = index === halves.length - 1;
    const groups = countGroups(half, isLast);
    return groups === undefined ? undefined : count + groups;
  }, 0);
  if (groupCount === undefined) {
    return false;
  }
  // "::" stands for at least one zero group.
  return halves.length === 2 ? groupCount <= 7 : groupCount === 8;
}

/** Groups in one side of "::"; an embedded IPv4 address (only at the very end) counts as two. */
function countGroups(part: string, mayEndWithIpv4: boolean): number | undefined {
  if (part === '') {
    return 0;
  }
  const groups = part.split(':');
  let count = 0;
  for (let index = 0; index < groups.length; index++) {
    const group = groups[index];
    if (HEX_GROUP.test(group)) {
      count += 1;
    } else if (mayEndWithIpv4 && index === groups.length - 1 && IPV4.test(group)) {
      count += 2;
    } else {
      return undefined;
    }
  }
  return count;
}
