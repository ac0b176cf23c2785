import {
  discoverAuthorizationServerMetadata,
  MetadataDiscoveryError,
} from '../../core/authorization-server-discovery.js';
import type { McpAuthClock } from '../../core/clock.js';
import { UpstreamProtocolError, UpstreamTransientError } from './upstream.errors.js';
import type { UpstreamEndpoints, UpstreamProvider } from './upstream-provider.interface.js';

/**
 * The upstream endpoints in effect: the provider's static ones, completed from its metadata.
 * @publicApi
 */
export interface ResolvedUpstreamEndpoints {
  readonly authorization: string;
  readonly token: string;
  readonly revocation?: string;
  readonly userinfo?: string;
  readonly jwksUri?: string;
  /** Whether authorization responses must carry RFC 9207 `iss`. */
  readonly authorizationResponseIss: boolean;
}

/** How long discovered metadata is used before it is fetched again. */
const METADATA_TTL_MS = 60 * 60 * 1000;
/** After a failed discovery, further attempts fail fast for this long (no outage amplification). */
const FAILURE_COOLDOWN_MS = 10_000;

/**
 * Resolves a provider's endpoints, fetching its RFC 8414 / OpenID Connect metadata on first use
 * (never at construction, so the application boots while the upstream is down). The metadata
 * must name the provider's `issuer` byte for byte (RFC 8414 §3.3). A good document is kept for
 * an hour and, when a later refresh fails, still used; a failure with nothing cached answers
 * {@link UpstreamTransientError} and is not retried for ten seconds.
 *
 * @internal
 */
export class UpstreamMetadataResolver {
  private cached: { endpoints: ResolvedUpstreamEndpoints; at: number } | undefined;
  private pending: Promise<ResolvedUpstreamEndpoints> | undefined;
  private failure: { error: Error; at: number } | undefined;

  constructor(
    private readonly provider: UpstreamProvider,
    private readonly clock: McpAuthClock,
  ) {}

  /**
   * The endpoints. Without a network call when the configuration already holds the
   * authorization and token endpoints, the RFC 9207 setting and every endpoint in `needs`;
   * otherwise from the (cached) metadata.
   */
  async resolve(needs: ReadonlyArray<keyof UpstreamEndpoints> = []): Promise<ResolvedUpstreamEndpoints> {
    const { endpoints } = this.provider;
    const complete =
      endpoints.authorization !== undefined &&
      endpoints.token !== undefined &&
      this.provider.authorizationResponseIss !== undefined &&
      needs.every((need) => endpoints[need] !== undefined);
    if (!this.provider.discovery || complete) {
      if (!endpoints.authorization || !endpoints.token) {
        throw new UpstreamProtocolError('The identity provider endpoints are not configured', {
          operation: 'discovery',
          reason: 'not_configured',
        });
      }
      return {
        ...endpoints,
        authorization: endpoints.authorization,
        token: endpoints.token,
        authorizationResponseIss: this.provider.authorizationResponseIss ?? false,
      };
    }
    const now = this.clock.now();
    if (this.cached && now - this.cached.at < METADATA_TTL_MS) return this.cached.endpoints;
    if (this.failure && now - this.failure.at < FAILURE_COOLDOWN_MS) {
      if (this.cached) return this.cached.endpoints;
      throw this.failure.error;
    }
    this.pending ??= this.discover().finally(() => (this.pending = undefined));
    try {
      return await this.pending;
    } catch (error) {
      if (this.cached) return this.cached.endpoints;
      throw error;
    }
  }

  private async discover(): Promise<ResolvedUpstreamEndpoints> {
    const issuer = this.provider.issuer as string;
    try {
      const { metadata } = await discoverAuthorizationServerMetadata(issuer, { timeoutMs: this.provider.timeoutMs });
      const endpoints = this.merge(metadata);
      this.cached = { endpoints, at: this.clock.now() };
      this.failure = undefined;
      return endpoints;
    } catch (cause) {
      const error =
        cause instanceof MetadataDiscoveryError && cause.transient
          ? new UpstreamTransientError('The identity provider metadata cannot be loaded right now', {
              operation: 'discovery',
              reason: 'unavailable',
              cause,
            })
          : cause instanceof UpstreamProtocolError
            ? cause
            : new UpstreamProtocolError('The identity provider metadata is missing or invalid', {
                operation: 'discovery',
                reason: 'malformed_response',
                cause,
              });
      this.failure = { error, at: this.clock.now() };
      throw error;
    }
  }

  private merge(metadata: Record<string, unknown>): ResolvedUpstreamEndpoints {
    const issuerScheme = new URL(this.provider.issuer as string).protocol;
    const { endpoints } = this.provider;
    const pick = (configured: string | undefined, member: string): string | undefined => {
      if (configured !== undefined) return configured;
      const value = metadata[member];
      if (value === undefined) return undefined;
      if (typeof value !== 'string' || !isEndpointUrl(value, issuerScheme)) {
        throw new UpstreamProtocolError('The identity provider metadata has an invalid endpoint', {
          operation: 'discovery',
          reason: 'malformed_response',
        });
      }
      return value;
    };
    const authorization = pick(endpoints.authorization, 'authorization_endpoint');
    const token = pick(endpoints.token, 'token_endpoint');
    if (!authorization || !token) {
      throw new UpstreamProtocolError('The identity provider metadata lacks the authorization or token endpoint', {
        operation: 'discovery',
        reason: 'malformed_response',
      });
    }
    const revocation = pick(endpoints.revocation, 'revocation_endpoint');
    const userinfo = pick(endpoints.userinfo, 'userinfo_endpoint');
    const jwksUri = pick(endpoints.jwksUri, 'jwks_uri');
    return {
      authorization,
      token,
      ...(revocation ? { revocation } : {}),
      ...(userinfo ? { userinfo } : {}),
      ...(jwksUri ? { jwksUri } : {}),
      authorizationResponseIss:
        this.provider.authorizationResponseIss ?? metadata.authorization_response_iss_parameter_supported === true,
    };
  }
}

/** An absolute URL without fragment or userinfo, https unless the issuer itself is plain http. */
function isEndpointUrl(value: string, issuerScheme: string): boolean {
  try {
    const url = new URL(value);
    if (url.username || url.password || url.hash) return false;
    return url.protocol === 'https:' || (url.protocol === 'http:' && issuerScheme === 'http:');
  } catch {
    return false;
  }
}
