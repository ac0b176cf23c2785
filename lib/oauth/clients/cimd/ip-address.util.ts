import { isIP } from 'node:net';

/**
 * Which IP addresses an outbound fetch of a client ID metadata document may connect to: public
 * unicast addresses only (security catalog D-24; CIMD draft §6 "Server-Side Request Forgery";
 * IANA IPv4/IPv6 Special-Purpose Address Registries).
 *
 * Refused:
 * - IPv4: `0.0.0.0/8`, `10/8`, `100.64/10` (CGNAT), `127/8`, `169.254/16` (link-local, cloud
 *   metadata), `172.16/12`, `192.0.0/24`, `192.0.2/24`, `192.88.99/24` (6to4 relay),
 *   `192.168/16`, `198.18/15`, `198.51.100/24`, `203.0.113/24`, `224/4` (multicast), `240/4`
 *   (reserved, broadcast);
 * - IPv6: everything outside `2000::/3` (so `::`, `::1`, `fc00::/7` unique-local, `fe80::/10`
 *   link-local, `fec0::/10`, `ff00::/8` multicast, `100::/64` discard, `64:ff9b:1::/48`), and
 *   inside it `2001::/23` (IETF protocol assignments, including Teredo `2001::/32`),
 *   `2001:db8::/32` and `3fff::/20` (documentation);
 * - IPv6 addresses that embed an IPv4 address — IPv4-mapped `::ffff:0:0/96`, IPv4-compatible
 *   `::/96`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16` and ISATAP interface ids (`…:0:5efe:a.b.c.d`,
 *   `…:200:5efe:a.b.c.d`) — when the embedded IPv4 address is refused;
 * - anything that is not a plain IP address (zone ids such as `fe80::1%eth0`, empty strings).
 */
export function isPublicIpAddress(address: string): boolean {
  const version = isIP(address);
  if (version === 4) return isPublicIpv4(parseIpv4(address));
  if (version === 6 && !address.includes('%')) return isPublicIpv6(parseIpv6(address));
  return false;
}

/** [network, prefix length] of every refused IPv4 range. */
const IPV4_BLOCKED: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

const IPV4_RANGES = IPV4_BLOCKED.map(([network, bits]) => {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { network: parseIpv4(network) & mask, mask };
});

function isPublicIpv4(value: number): boolean {
  return !IPV4_RANGES.some(({ network, mask }) => (value & mask) >>> 0 === network >>> 0);
}

function parseIpv4(address: string): number {
  return address.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}

/** Eight 16-bit groups of an IPv6 address (which `isIP` has validated). */
function parseIpv6(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    const v4 = parseIpv4(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  return [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups].map((group) => parseInt(group, 16));
}

const embeddedIpv4 = (high: number, low: number): number => ((high << 16) | low) >>> 0;

function isPublicIpv6(g: number[]): boolean {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const firstFiveZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  // IPv4-mapped ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d (also :: and ::1).
  if (firstFiveZero && (g5 === 0xffff || g5 === 0)) return g5 === 0xffff && isPublicIpv4(embeddedIpv4(g6, g7));
  // NAT64 well-known prefix 64:ff9b::/96.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return isPublicIpv4(embeddedIpv4(g6, g7));
  }
  // ISATAP interface identifier (RFC 5214): 0000:5efe or 0200:5efe, under any prefix.
  if ((g4 & 0xfdff) === 0 && g5 === 0x5efe && !isPublicIpv4(embeddedIpv4(g6, g7))) return false;
  // Global unicast only.
  if ((g0 & 0xe000) !== 0x2000) return false;
  // 6to4 2002:a.b.c.d::/48.
  if (g0 === 0x2002) return isPublicIpv4(embeddedIpv4(g1, g2));
  // 2001::/23 IETF protocol assignments (Teredo, ORCHID, benchmarking, …) and 2001:db8::/32.
  if (g0 === 0x2001 && (g1 < 0x200 || g1 === 0xdb8)) return false;
  // 3fff::/20 documentation (RFC 9637).
  if (g0 === 0x3fff && g1 < 0x1000) return false;
  return true;
}
