import { lookup as dnsLookup } from 'node:dns/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { BoundedTtlCache } from '../../../core/bounded-ttl-cache.js';
import { systemClock, type McpAuthClock } from '../../../core/clock.js';
import { invalidClient, type OAuthEndpointError } from '../../oauth.errors.js';
import type { ClientRegistrationPolicy } from '../client-registration.policy.js';
import type { OAuthClient } from '../oauth-client.js';
import { cacheLifetimeSeconds } from './cache-lifetime.util.js';
import { checkClientIdUrl, type ClientIdUrl } from './client-id-url.util.js';
import type { CimdOptions } from './cimd.options.js';
import { isDomainAllowed } from './domain-pattern.util.js';
import { isPublicIpAddress } from './ip-address.util.js';
import { clientFromMetadataDocument } from './metadata-document-client.js';
import { resolveCimdOptions, type ResolvedCimdOptions } from './resolve-cimd-options.js';

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

/**
 * Settings of {@link ClientMetadataDocumentFetcher}.
 * @publicApi
 */
export interface CimdFetcherSettings {
  /** The `cimd` options (validated); defaults as documented on {@link CimdOptions}. */
  readonly options?: CimdOptions;
  /** Rules the documents' metadata must follow (redirect URIs, scopes), as for dynamic registration. */
  readonly policy: ClientRegistrationPolicy;
  /** DNS resolution. @default the system resolver (`dns.promises.lookup`, all addresses) */
  readonly lookup?: CimdLookup;
  /** TLS trust. @default Node's default CA bundle */
  readonly tls?: CimdTlsOptions;
  /** Time source of the cache. @default the system clock */
  readonly clock?: McpAuthClock;
}

const USER_AGENT = 'nestjs-mcp-auth (client-id-metadata-document)';

const systemLookup: CimdLookup = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })) as ResolvedAddress[];

interface FetchedDocument {
  readonly body: Buffer;
  readonly headers: IncomingHttpHeaders;
}

/**
 * Fetches client ID metadata documents safely (CIMD draft §6 "Security Considerations", MCP
 * "Authorization Server Abuse Protection", security catalog D-23 … D-26) and turns them into
 * {@link OAuthClient} records (`source: 'metadata-document'`):
 *
 * 1. the client id URL is checked before any network activity ({@link checkClientIdUrl}), then
 *    the domain allow/deny lists;
 * 2. the host name is resolved once, and **every** address must be public
 *    ({@link isPublicIpAddress}); otherwise nothing is connected to;
 * 3. the connection goes to the first validated address — pinned: no second resolution can
 *    rebind it (D-25) — while TLS SNI, certificate verification and the `Host` header use the
 *    host name;
 * 4. only a `200` is accepted: redirects are failures, never followed; the body is streamed and
 *    cut at `maxBytes` whatever `Content-Length` says; the whole fetch is bounded by `timeoutMs`;
 * 5. the document is checked by {@link clientFromMetadataDocument} (D-26);
 * 6. a valid document is cached for its `Cache-Control: max-age` clamped to
 *    `[cacheMinSeconds, cacheMaxSeconds]`; failures are never cached. Concurrent fetches of one
 *    URL share one request.
 *
 * @publicApi
 */
export class ClientMetadataDocumentFetcher {
  private readonly options: ResolvedCimdOptions;
  private readonly lookup: CimdLookup;
  private readonly clock: McpAuthClock;
  private readonly cache: BoundedTtlCache<OAuthClient>;
  private readonly inFlight = new Map<string, Promise<OAuthClient>>();

  constructor(private readonly settings: CimdFetcherSettings) {
    this.options = resolveCimdOptions(settings.options);
    this.lookup = settings.lookup ?? systemLookup;
    this.clock = settings.clock ?? systemClock;
    this.cache = new BoundedTtlCache(this.options.maxCacheEntries, () => this.clock.now());
  }

  /**
   * The client described by the document at `clientId` (from the cache when fresh).
   * @throws OAuthEndpointError `invalid_client` (401) describing why the URL or document was
   *   refused, or why the fetch failed (the authorization endpoint shows it as an error page).
   */
  async fetch(clientId: string): Promise<OAuthClient> {
    const target = checkClientIdUrl(clientId);
    if ('reason' in target) throw invalidClient(`client_id URL ${target.reason}`);
    if (!isDomainAllowed(target.hostname, this.options.allowDomains, this.options.denyDomains)) {
      throw invalidClient('client_id URL host is not allowed by this server');
    }
    const cached = this.cache.get(clientId);
    if (cached !== undefined) return cached;
    let pending = this.inFlight.get(clientId);
    if (pending === undefined) {
      pending = this.load(clientId, target).finally(() => this.inFlight.delete(clientId));
      this.inFlight.set(clientId, pending);
    }
    return pending;
  }

  /** Forgets every cached document. */
  clearCache(): void {
    this.cache.clear();
  }

  private async load(clientId: string, target: ClientIdUrl): Promise<OAuthClient> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs);
    try {
      const address = await this.resolve(target.hostname, controller.signal);
      const fetched = await this.get(target, address, controller.signal);
      let document: unknown;
      try {
        document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fetched.body));
      } catch {
        throw fail('the document is not valid JSON');
      }
      const now = this.clock.now();
      const client = clientFromMetadataDocument(document, clientId, this.settings.policy, Math.floor(now / 1000));
      const lifetime = cacheLifetimeSeconds(
        header(fetched.headers['cache-control']),
        header(fetched.headers['age']),
        this.options.cacheMinSeconds,
        this.options.cacheMaxSeconds,
      );
      this.cache.set(clientId, client, now + lifetime * 1000);
      return client;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves the host once and checks every address; returns the one to connect to. */
  private async resolve(hostname: string, signal: AbortSignal): Promise<ResolvedAddress> {
    let addresses: readonly ResolvedAddress[];
    try {
      addresses = await abortable(this.lookup(hostname), signal);
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
  private get(target: ClientIdUrl, pinned: ResolvedAddress, signal: AbortSignal): Promise<FetchedDocument> {
    const { maxBytes } = this.options;
    return new Promise<FetchedDocument>((resolve, reject) => {
      const req = request({
        host: pinned.address,
        family: pinned.family,
        port: target.port,
        path: `${target.url.pathname}${target.url.search}`,
        method: 'GET',
        servername: target.hostname,
        headers: { host: target.url.host, accept: 'application/json', 'user-agent': USER_AGENT },
        agent: false,
        ca: this.settings.tls?.ca as string | Buffer | (string | Buffer)[] | undefined,
        rejectUnauthorized: true,
        signal,
      });
      const abort = (error: OAuthEndpointError) => {
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
}

const fail = (reason: string) => invalidClient(`Client metadata document: ${reason}`);

const header = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value.join(', ') : value;

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
