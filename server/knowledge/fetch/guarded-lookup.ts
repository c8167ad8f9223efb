// DNS for outbound requests, resolved by Parley and checked in the same step that hands the
// address to the socket: the address connected to is the address checked, so a name that
// answers a public address to one lookup and 127.0.0.1 to the next (DNS rebinding) gains nothing.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction, Socket } from 'node:net';
import { checkAddress, type AllowList } from './address-guard.js';

/** dns.lookup's shape with `all: true`; a test or an operator may pass another resolver. */
export type Resolver = (hostname: string, options: { family?: number; hints?: number }, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

export const systemResolver: Resolver = (hostname, options, callback) =>
  dnsLookup(hostname, { family: options.family ?? 0, hints: options.hints ?? 0, all: true }, callback);

/** Thrown (through the socket) when the guard refuses an address; `description` is for people. */
export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
  readonly code = 'PARLEY_BLOCKED_ADDRESS';
  constructor(readonly hostname: string, readonly description: string) {
    super(`${hostname} resolves to ${description}`);
  }
}

/**
 * A `lookup` for http.request/net.connect that refuses the name when any of its addresses is not
 * allowed: a name with one private address among public ones is a misconfiguration or an attack.
 */
export function guardedLookup(allow: AllowList, resolver: Resolver = systemResolver): LookupFunction {
  return (hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    resolver(hostname, { family: typeof options.family === 'number' ? options.family : 0, hints: options.hints ?? 0 }, (err, addresses) => {
      if (err) return callback(err, '');
      if (addresses.length === 0) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
      for (const { address } of addresses) {
        const verdict = checkAddress(address, allow);
        if (!verdict.allowed) return callback(new BlockedAddressError(hostname, verdict.description), '');
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/**
 * Defence in depth: the connected socket's peer address is checked again. The lookup above (and,
 * for IP literals, which Node connects to without a lookup, the caller's own check) already
 * decided; if anything ever connected around them, the response is still never read.
 */
export function guardSocket(socket: Socket, hostname: string, allow: AllowList): void {
  const check = () => {
    const peer = socket.remoteAddress;
    const verdict = peer ? checkAddress(peer, allow) : { allowed: false as const, description: 'an unknown address' };
    if (!verdict.allowed) socket.destroy(new BlockedAddressError(hostname, verdict.description));
  };
  if (socket.remoteAddress) check();
  else socket.once('connect', check);
}
