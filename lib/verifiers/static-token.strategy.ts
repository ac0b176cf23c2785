import { createHash } from 'node:crypto';
import type { McpAccessToken } from '../core/access-token.js';
import { InvalidTokenError } from '../core/errors/token.errors.js';
import type { StaticTokenDefinition, StaticTokenVerifierOptions } from '../core/options/verifier-options.js';
import type { VerifierContext } from './jwt/jwt-token.strategy.js';
import { McpPassportStrategy } from './passport-bridge.js';

/** Static tokens never expire; report one hour ahead so clients that require `expiresAt` work. */
const ROLLING_EXPIRY_SECONDS = 3600;

/**
 * Level 1, development only: a fixed table of tokens. Tokens are kept as SHA-256 hashes, so the
 * table in memory does not hold them and lookups do not compare secrets character by character.
 * The module refuses it in production unless `allowInProduction` is set, and warns at boot.
 *
 * @publicApi
 */
export class StaticTokenStrategy extends McpPassportStrategy {
  name = 'mcp-static';
  private readonly tokens: ReadonlyMap<string, StaticTokenDefinition>;

  constructor(
    options: StaticTokenVerifierOptions,
    private readonly context: VerifierContext,
  ) {
    super();
    this.tokens = new Map(Object.entries(options.tokens).map(([token, def]) => [digest(token), def]));
  }

  async verify(token: string): Promise<McpAccessToken> {
    const definition = this.tokens.get(digest(token));
    if (definition === undefined) throw new InvalidTokenError('Unknown access token', 'unknown');
    const now = Math.floor(this.context.clock.now() / 1000);
    if (definition.expiresAt !== undefined && definition.expiresAt <= now) {
      throw new InvalidTokenError('The access token has expired', 'expired');
    }
    const clientId = definition.clientId ?? 'static-client';
    return {
      token,
      sub: definition.sub,
      clientId,
      scopes: definition.scopes ?? [],
      expiresAt: definition.expiresAt ?? now + ROLLING_EXPIRY_SECONDS,
      resource: this.context.resourceUrl,
      claims: {
        sub: definition.sub,
        client_id: clientId,
        scope: (definition.scopes ?? []).join(' '),
        ...definition.claims,
      },
    };
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
