import { lookup as dnsLookup } from 'node:dns/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { isPublicIpAddress } from './ip-address.util.js';

/** One resolved address of a host name. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/**
 * Resolves a host name to every address it has (like `dns.promises.lookup(name, { all: true })`).
 * @publicApi
 */
export type CimdLookup = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/**
 * Extra TLS trust for the document fetch (a private CA, or a test CA). Certificate and host name
 * verification always stay on: there is deliberately no way to pass `rejectUnauthorized`.
 * @publicApi
 */
export interface CimdTlsOptions {
  /** Trusted CA certificates (PEM), replacing Node's default bundle as `tls.connect({ ca })` does. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
}

/** The system resolver: every address of the name, in the resolver's order. */
export const systemLookup: CimdLookup = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })) as ResolvedAddress[];

/** Where to send the GET: an `https` URL already checked by the caller, its host name and port. */
export interface PublicHttpsTarget {
  readonly url: URL;
  /** The host name, lower case (punycode); never an IP literal. */
  readonly hostname: string;
  readonly port: number;
}

/** Settings of one {@link publicHttpsGet}. */
export interface PublicHttpsGetSettings {
  readonly lookup: CimdLookup;
  readonly tls?: CimdTlsOptions;
  /** Limit for the whole fetch (DNS, connect, TLS, response), in milliseconds. */
  readonly timeoutMs: number;
  /** Largest accepted body, counted while streaming. */
  readonly maxBytes: number;
  /** Request headers besides `Host` (e.g. `accept`, `user-agent`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Builds the error thrown for a refusal or failure, from a short reason. */
  readonly fail: (reason: string) => Error;
}

/** A `200` response read in full. */
export interface PublicHttpsResponse {
  readonly body: Buffer;
  readonly headers: IncomingHttpHeaders;
}

/**
 * One SSRF-safe `GET` of a URL chosen by a client (client ID metadata documents, `jwks_uri`),
 * security catalog D-24 … D-26:
 *
 * 1. the host name is resolved once, and **every** address must be public
 *    ({@link isPublicIpAddress}); otherwise nothing is connected to;
 * 2. the connection goes to the first validated address — pinned: no second resolution can
 *    rebind it (D-25) — while TLS SNI, certificate verification and the `Host` header use the
 *    host name;
 * 3. only a `200` is accepted: redirects are failures, never followed; the body is streamed and
 *    cut at `maxBytes` whatever `Content-Length` says; the whole fetch is bounded by `timeoutMs`.
 *
 * @throws whatever `settings.fail` builds, with the reason (e.g. `timed out`, `HTTP 404`).
 */
export async function publicHttpsGet(
  target: PublicHttpsTarget,
  settings: PublicHttpsGetSettings,
): Promise<PublicHttpsResponse> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
  try {
    const address = await resolvePublicAddress(target.hostname, settings, controller.signal);
    return await pinnedGet(target, address, settings, controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves the host once and checks every address; returns the one to connect to. */
async function resolvePublicAddress(
  hostname: string,
  settings: PublicHttpsGetSettings,
  signal: AbortSignal,
): Promise<ResolvedAddress> {
  const { fail } = settings;
  let addresses: readonly ResolvedAddress[];
  try {
    addresses = await abortable(settings.lookup(hostname), signal);
  } catch {
    throw fail(signal.aborted ? 'timed out' : 'the host name could not be resolved');
  }
  if (addresses.length === 0) throw fail('the host name could not be resolved');
  if (!addresses.every((entry) => isPublicIpAddress(entry.address))) {
    throw fail('the host name resolves to a non-public address');
  }
  return addresses[0]!;
}

/** One GET to the pinned address; resolves with the body of a 200 response. */
function pinnedGet(
  target: PublicHttpsTarget,
  pinned: ResolvedAddress,
  settings: PublicHttpsGetSettings,
  signal: AbortSignal,
): Promise<PublicHttpsResponse> {
  const { maxBytes, fail } = settings;
  return new Promise<PublicHttpsResponse>((resolve, reject) => {
    const req = request({
      host: pinned.address,
      family: pinned.family,
      port: target.port,
      path: `${target.url.pathname}${target.url.search}`,
      method: 'GET',
      servername: target.hostname,
      headers: { ...settings.headers, host: target.url.host },
      agent: false,
      ca: settings.tls?.ca as string | Buffer | (string | Buffer)[] | undefined,
      rejectUnauthorized: true,
      signal,
    });
    const abort = (error: Error) => {
      reject(error);
      req.destroy();
    };
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (signal.aborted) reject(fail('timed out'));
      else if (/CERT|SELF_SIGNED|ALTNAME|UNABLE_TO_VERIFY/.test(error.code ?? '')) {
        reject(fail('the TLS certificate could not be verified'));
      } else reject(fail('the document could not be fetched'));
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        abort(fail(status >= 300 && status < 400 ? `redirects are not followed (HTTP ${status})` : `HTTP ${status}`));
        return;
      }
      if (Number(res.headers['content-length']) > maxBytes) {
        abort(fail(`the document is larger than ${maxBytes} bytes`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) abort(fail(`the document is larger than ${maxBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ body: Buffer.concat(chunks), headers: res.headers }));
      res.on('error', () => reject(fail(signal.aborted ? 'timed out' : 'the response was cut short')));
      res.on('close', () => {
        if (!res.complete) reject(fail(signal.aborted ? 'timed out' : 'the response was cut short'));
      });
    });
    req.end();
  });
}

/** Rejects when `signal` aborts first (the lookup itself cannot be cancelled). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
