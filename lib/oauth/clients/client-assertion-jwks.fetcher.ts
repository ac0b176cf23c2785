import { isIP } from 'node:net';
import type { JSONWebKeySet } from 'jose';
import { BoundedTtlCache } from '../../core/bounded-ttl-cache.js';
import { systemClock, type McpAuthClock } from '../../core/clock.js';
import { cacheLifetimeSeconds } from './cimd/cache-lifetime.util.js';
import {
  publicHttpsGet,
  systemLookup,
  type CimdLookup,
  type CimdTlsOptions,
  type PublicHttpsTarget,
} from './cimd/public-https-get.util.js';
import { isHttpsMetadataUrl, publicJwksProblem } from './client-metadata-fields.util.js';

/**
 * Settings of {@link ClientJwksFetcher}. The defaults suit client key sets: small documents,
 * short caching so that a client withdrawing a compromised key is heard within minutes.
 * @publicApi
 */
export interface ClientJwksFetcherSettings {
  /** Limit for the whole fetch (DNS, connect, TLS, response), in milliseconds. @default 5000 */
  readonly timeoutMs?: number;
  /** Largest accepted JWK Set, in bytes, counted while streaming. @default 65536 */
  readonly maxBytes?: number;
  /** Shortest time a fetched set is cached (whatever `Cache-Control` says), in seconds. @default 60 */
  readonly cacheMinSeconds?: number;
  /** Longest time a fetched set is cached (whatever `max-age` says), in seconds. @default 600 */
  readonly cacheMaxSeconds?: number;
  /**
   * Least time between two fetches of one `jwks_uri`, in seconds: an assertion with an unknown
   * `kid` refetches the set only when the last fetch is older than this, and a failed fetch is
   * not retried before it (so a client naming random `kid`s, or a dead or slow `jwks_uri`,
   * costs at most one outbound request per cooldown).
   * @default 30
   */
  readonly cooldownSeconds?: number;
  /** Most key sets kept in the (per-process) cache. @default 1000 */
  readonly maxCacheEntries?: number;
  /** DNS resolution. @default the system resolver */
  readonly lookup?: CimdLookup;
  /** Extra TLS trust (a private CA). Certificate verification always stays on. */
  readonly tls?: CimdTlsOptions;
  /** Time source of the cache. @default the system clock */
  readonly clock?: McpAuthClock;
}

/**
 * Where {@link JwtClientAssertionVerifier} gets the key sets of `jwks_uri` clients.
 * @publicApi
 */
export interface ClientJwksSource {
  /** The key set at `uri` (cached or fetched); throws when there is none. */
  get(uri: string): Promise<JSONWebKeySet>;
  /** The key set fetched again, or `undefined` when refetching is not allowed yet (cooldown). */
  refresh(uri: string): Promise<JSONWebKeySet | undefined>;
}

/** What is remembered about one `jwks_uri`. */
interface Entry {
  /** The set, or the reason of the last failure. */
  readonly result: { readonly jwks: JSONWebKeySet } | { readonly error: string };
  /** Epoch milliseconds of the fetch. */
  readonly fetchedAt: number;
  /** Epoch milliseconds until which the set is used without asking again. */
  readonly freshUntil: number;
}

/** Why a client's `jwks_uri` gave no usable keys (the verifier answers `invalid_client`). */
export class ClientJwksUnavailableError extends Error {
  override readonly name = 'ClientJwksUnavailableError';
}

const USER_AGENT = 'nestjs-mcp-auth (client-jwks)';

/**
 * Fetches the public keys a `private_key_jwt` client publishes at its `jwks_uri` (RFC 7591 §2),
 * with the SSRF-safe fetch of client ID metadata documents ({@link publicHttpsGet}: `https`
 * only, every resolved address public and the connection pinned to it, no redirects, size cap,
 * timeout). The URL must name a host (no IP literal); the document must be a JWK Set of 1 to 10
 * public asymmetric keys, exactly as a registered `jwks` (a set carrying private key material is
 * refused whole).
 *
 * Sets are cached for their `Cache-Control: max-age`, clamped to
 * `[cacheMinSeconds, cacheMaxSeconds]`; {@link refresh} refetches at most once per cooldown (an
 * unknown `kid` after a key rotation); failures are remembered for the cooldown. Concurrent
 * fetches of one URL share one request.
 *
 * @publicApi
 */
export class ClientJwksFetcher implements ClientJwksSource {
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly cacheMinSeconds: number;
  private readonly cacheMaxSeconds: number;
  private readonly cooldownMs: number;
  private readonly lookup: CimdLookup;
  private readonly clock: McpAuthClock;
  private readonly entries: BoundedTtlCache<Entry>;
  private readonly inFlight = new Map<string, Promise<Entry>>();

  constructor(private readonly settings: ClientJwksFetcherSettings = {}) {
    this.timeoutMs = settings.timeoutMs ?? 5000;
    this.maxBytes = settings.maxBytes ?? 65_536;
    this.cacheMinSeconds = settings.cacheMinSeconds ?? 60;
    this.cacheMaxSeconds = settings.cacheMaxSeconds ?? 600;
    this.cooldownMs = (settings.cooldownSeconds ?? 30) * 1000;
    this.lookup = settings.lookup ?? systemLookup;
    this.clock = settings.clock ?? systemClock;
    this.entries = new BoundedTtlCache(settings.maxCacheEntries ?? 1000, () => this.clock.now());
  }

  /**
   * The key set at `uri`: from the cache while fresh, else fetched.
   * @throws ClientJwksUnavailableError with the reason (bad URL, fetch failure, not a JWK Set).
   */
  async get(uri: string): Promise<JSONWebKeySet> {
    const entry = this.entries.get(uri);
    const now = this.clock.now();
    if (entry !== undefined && (now < entry.freshUntil || 'error' in entry.result)) return unwrap(entry);
    return unwrap(await this.fetch(uri));
  }

  /**
   * The key set at `uri` fetched again, unless the last fetch is more recent than the cooldown:
   * then `undefined` (keep using what {@link get} gave).
   * @throws ClientJwksUnavailableError when the new fetch fails.
   */
  async refresh(uri: string): Promise<JSONWebKeySet | undefined> {
    const entry = this.entries.get(uri);
    if (entry !== undefined && this.clock.now() - entry.fetchedAt < this.cooldownMs) return undefined;
    return unwrap(await this.fetch(uri));
  }

  /** Forgets every cached set. */
  clearCache(): void {
    this.entries.clear();
  }

  private fetch(uri: string): Promise<Entry> {
    let pending = this.inFlight.get(uri);
    if (pending === undefined) {
      pending = this.load(uri).finally(() => this.inFlight.delete(uri));
      this.inFlight.set(uri, pending);
    }
    return pending;
  }

  /** Fetches and checks the set; remembers the outcome (a failure for the cooldown only). */
  private async load(uri: string): Promise<Entry> {
    let entry: Entry;
    try {
      const { jwks, lifetimeSeconds } = await this.download(uri);
      const fetchedAt = this.clock.now();
      entry = { result: { jwks }, fetchedAt, freshUntil: fetchedAt + lifetimeSeconds * 1000 };
      this.entries.set(uri, entry, fetchedAt + Math.max(lifetimeSeconds * 1000, this.cooldownMs));
    } catch (error) {
      const fetchedAt = this.clock.now();
      entry = { result: { error: (error as Error).message }, fetchedAt, freshUntil: fetchedAt };
      this.entries.set(uri, entry, fetchedAt + this.cooldownMs);
    }
    return entry;
  }

  private async download(uri: string): Promise<{ jwks: JSONWebKeySet; lifetimeSeconds: number }> {
    const target = checkJwksUri(uri);
    const response = await publicHttpsGet(target, {
      lookup: this.lookup,
      tls: this.settings.tls,
      timeoutMs: this.timeoutMs,
      maxBytes: this.maxBytes,
      headers: { accept: 'application/jwk-set+json, application/json', 'user-agent': USER_AGENT },
      fail: (reason) => new ClientJwksUnavailableError(`jwks_uri: ${reason}`),
    });
    let document: unknown;
    try {
      document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(response.body));
    } catch {
      throw new ClientJwksUnavailableError('jwks_uri: the document is not valid JSON');
    }
    if (document === null || typeof document !== 'object' || Array.isArray(document)) {
      throw new ClientJwksUnavailableError('jwks_uri: the document is not a JWK Set');
    }
    const problem = publicJwksProblem(document as Record<string, unknown>);
    if (problem !== undefined) throw new ClientJwksUnavailableError(`jwks_uri: the JWK Set ${problem}`);
    const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(', ') : value);
    return {
      // A plain-data copy: only `keys` is kept, nothing of the document's prototype survives.
      jwks: { keys: JSON.parse(JSON.stringify((document as { keys: unknown }).keys)) as JSONWebKeySet['keys'] },
      lifetimeSeconds: cacheLifetimeSeconds(
        header(response.headers['cache-control']),
        header(response.headers['age']),
        this.cacheMinSeconds,
        this.cacheMaxSeconds,
      ),
    };
  }
}

function unwrap(entry: Entry): JSONWebKeySet {
  if ('error' in entry.result) throw new ClientJwksUnavailableError(entry.result.error);
  return entry.result.jwks;
}

/**
 * Checks a `jwks_uri` before any network activity: an absolute `https` URL without user
 * information or fragment (as registration requires), whose host is a name — an IP literal
 * cannot be checked against a certificate's name the way SNI needs, and `localhost` never
 * resolves to a public address anyway.
 */
function checkJwksUri(uri: string): PublicHttpsTarget {
  if (!isHttpsMetadataUrl(uri)) throw new ClientJwksUnavailableError('jwks_uri must be an https URL');
  const url = new URL(uri);
  const hostname = url.hostname;
  if (hostname.startsWith('[') || isIP(hostname) !== 0) {
    throw new ClientJwksUnavailableError('jwks_uri must use a host name, not an IP address');
  }
  return { url, hostname, port: url.port === '' ? 443 : Number(url.port) };
}
