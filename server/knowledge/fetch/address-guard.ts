// The one address guard (DESIGN rule 8): every connection Parley opens to an address a user gave
// (knowledge pages, sitemaps, robots.txt, later webhooks) is checked here, with the address the
// name actually resolved to, so a hostname cannot smuggle a request into the operator's network.
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Operator-allowed networks (KNOWLEDGE_FETCH_ALLOW_NETWORKS), parsed once. Empty: only public addresses. */
export type AllowList = readonly (readonly [Address, number])[];

/** Why an address is refused, in words an admin understands ("a private network address"). */
export type AddressVerdict = { allowed: true } | { allowed: false; range: string; description: string };

const DESCRIPTIONS: Record<string, string> = {
  unspecified: 'the unspecified address',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address (this includes the cloud metadata service 169.254.169.254)',
  loopback: 'a loopback address (this machine)',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  private: 'a private network address',
  uniqueLocal: 'a unique-local (private) IPv6 address',
  reserved: 'a reserved or documentation address',
  as112: 'a reserved (AS112) address',
  amt: 'a reserved (AMT) address',
  notGlobal: 'an IPv6 address outside the global unicast range',
  teredo: 'a Teredo tunnel address',
  nat64Local: 'a local-use NAT64 address',
};

// Inside 2000::/3 ipaddr.js flags these; none is a web server a user may point Parley at.
const REFUSED_V6 = new Set(['teredo', 'benchmarking', 'amt', 'as112v6', 'deprecatedOrchid', 'orchid2',
  'droneRemoteIdProtocolEntityTags', 'segmentRouting', 'reserved', 'discard']);
const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number];
const NAT64 = ipaddr.parseCIDR('64:ff9b::/96') as [ipaddr.IPv6, number];

/**
 * Allowed only when the address is public unicast, or inside a network the operator allowed.
 * IPv6 forms that carry an IPv4 address (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4
 * 2002::/16) are judged by that IPv4 address; every other IPv6 address outside 2000::/3
 * (IPv4-compatible ::a.b.c.d included) is refused.
 */
export function checkAddress(ip: string, allow: AllowList = []): AddressVerdict {
  let address: Address;
  try {
    address = normalize(ipaddr.parse(ip.replace(/^\[|\]$/g, '')));
  } catch {
    return refuse('invalid');
  }
  if (allow.some(([net, bits]) => net.kind() === address.kind() && address.match(net, bits))) return { allowed: true };
  if (address instanceof ipaddr.IPv4) return checkV4(address);
  if (address.match(NAT64)) return checkV4(embeddedV4(address, 12));
  const range = address.range();
  if (range === '6to4') return checkV4(embeddedV4(address, 2));
  if (range === 'rfc6052') return refuse('nat64Local');
  if (!address.match(GLOBAL_UNICAST)) return refuse(range === 'unicast' ? 'notGlobal' : range);
  if (REFUSED_V6.has(range)) return refuse(range === 'reserved' ? 'reserved' : range);
  return { allowed: true };
}

/** True when Parley may connect to `ip` under this allow-list. */
export function isAllowedAddress(ip: string, allow: AllowList = []): boolean {
  return checkAddress(ip, allow).allowed;
}

/**
 * KNOWLEDGE_FETCH_ALLOW_NETWORKS: comma-separated CIDRs or single addresses. Throws an Error
 * naming the bad entry. Returns the normalized CIDR strings ("127.0.0.1/32"), for config.
 */
export function parseAllowNetworks(text: string | undefined): string[] {
  if (!text) return [];
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((entry) => {
    try {
      const [net, bits] = entry.includes('/') ? ipaddr.parseCIDR(entry) : wholeAddress(entry);
      // Addresses are matched in their IPv4 form when mapped, so a mapped network is written so too.
      if (net instanceof ipaddr.IPv6 && bits >= 96 && net.isIPv4MappedAddress()) return `${net.toIPv4Address().toString()}/${bits - 96}`;
      return `${net.toString()}/${bits}`;
    } catch {
      throw new Error(`"${entry}" is not an IP address or a CIDR network such as 127.0.0.1/32 or fd00::/8`);
    }
  });
}

/** The allow-list in the form checkAddress takes. */
export function toAllowList(cidrs: readonly string[]): AllowList {
  return cidrs.map((c) => ipaddr.parseCIDR(c));
}

function wholeAddress(text: string): [Address, number] {
  const address = ipaddr.parse(text);
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

function normalize(address: Address): Address {
  return address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() ? address.toIPv4Address() : address;
}

function checkV4(address: ipaddr.IPv4): AddressVerdict {
  const range = address.range();
  return range === 'unicast' ? { allowed: true } : refuse(range);
}

/** The IPv4 address in bytes [offset, offset + 4) of an IPv6 address. */
function embeddedV4(address: ipaddr.IPv6, offset: number): ipaddr.IPv4 {
  const bytes = address.toByteArray();
  return new ipaddr.IPv4(bytes.slice(offset, offset + 4));
}

function refuse(range: string): AddressVerdict {
  return { allowed: false, range, description: DESCRIPTIONS[range] ?? 'an address that is not on the public internet' };
}
