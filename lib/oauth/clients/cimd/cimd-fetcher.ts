import { BoundedTtlCache } from '../../../core/bounded-ttl-cache.js';
import { systemClock, type McpAuthClock } from '../../../core/clock.js';
import { invalidClient } from '../../oauth.errors.js';
import type { ClientRegistrationPolicy } from '../client-registration.policy.js';
import type { OAuthClient } from '../oauth-client.js';
import { cacheLifetimeSeconds } from './cache-lifetime.util.js';
import { checkClientIdUrl, type ClientIdUrl } from './client-id-url.util.js';
import type { CimdOptions } from './cimd.options.js';
import { isDomainAllowed } from './domain-pattern.util.js';
import { clientFromMetadataDocument } from './metadata-document-client.js';
import { publicHttpsGet, systemLookup, type CimdLookup, type CimdTlsOptions } from './public-https-get.util.js';
import { resolveCimdOptions, type ResolvedCimdOptions } from './resolve-cimd-options.js';

// The fetch itself (public addresses only, pinned, no redirects, size cap) is shared with the
// `jwks_uri` fetch of private_key_jwt: see public-https-get.util.ts.
export type { CimdLookup, CimdTlsOptions, ResolvedAddress } from './public-https-get.util.js';

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
    const fetched = await publicHttpsGet(target, {
      lookup: this.lookup,
      tls: this.settings.tls,
      timeoutMs: this.options.timeoutMs,
      maxBytes: this.options.maxBytes,
      headers: { accept: 'application/json', 'user-agent': USER_AGENT },
      fail,
    });
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
  }
}

const fail = (reason: string) => invalidClient(`Client metadata document: ${reason}`);

const header = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value.join(', ') : value;
