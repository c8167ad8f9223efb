// One HTTP GET, one hop: no redirect following (the caller re-checks every hop), Parley's own DNS
// through the guarded lookup, no shared agent (a pooled socket would skip the lookup), and a
// connect timeout separate from the caller's overall deadline.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { AllowList } from './address-guard.js';
import { guardSocket } from './guarded-lookup.js';

export class ConnectTimeoutError extends Error {
  override name = 'ConnectTimeoutError';
}

export interface HopRequest {
  url: URL;
  headers: Record<string, string>;
  lookup: LookupFunction;
  allow: AllowList;
  connectTimeoutMs: number;
  /** Aborts the request and the body (overall deadline or the caller). */
  signal: AbortSignal;
}

/** Resolves with the response head; the body is left to read (or destroy). */
export function sendRequest(hop: HopRequest): Promise<IncomingMessage> {
  const { url } = hop;
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request({
      protocol: url.protocol,
      hostname,
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: hop.headers,
      lookup: hop.lookup,
      agent: false,
      signal: hop.signal,
      // SNI takes a name, never an IP literal.
      ...(url.protocol === 'https:' && { servername: /^[\d.]+$|:/.test(hostname) ? '' : hostname }),
    });
    const connectTimer = setTimeout(() => req.destroy(new ConnectTimeoutError(`no connection within ${hop.connectTimeoutMs} ms`)), hop.connectTimeoutMs);
    req.on('socket', (socket) => {
      guardSocket(socket, hostname, hop.allow);
      if (!socket.connecting) clearTimeout(connectTimer);
      else socket.once('connect', () => clearTimeout(connectTimer));
    });
    req.once('response', (res) => {
      clearTimeout(connectTimer);
      resolve(res);
    });
    // on, not once: a second socket error after the first must not go unhandled.
    req.on('error', (err) => {
      clearTimeout(connectTimer);
      reject(err);
    });
    req.end();
  });
}
