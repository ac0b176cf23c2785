import { UpstreamRejectedError } from '../upstream.errors.js';
import type { DiscordIdentityConfig } from '../upstream-provider.interface.js';
import type { UpstreamHttp } from '../upstream-http.js';
import type { UpstreamIdentity } from '../upstream-tokens.interface.js';
import { getIdentityJson, missingSubject, pickClaims } from './identity-response.util.js';

const DISCORD_PROFILE = ['username', 'global_name', 'avatar', 'discriminator', 'email', 'verified', 'locale'];

/**
 * Discord identity: `GET {apiBaseUrl}/oauth2/@me` ("Get Current Authorization Information").
 * The token must have been issued to our application (`application.id` = client id, so a token
 * minted for another app is refused) and carry a user (granted with the `identify` scope); the
 * subject is the user's snowflake id. `scopes` and `expires` of the answer are passed on.
 *
 * @internal
 */
export async function resolveDiscordIdentity(
  config: DiscordIdentityConfig,
  clientId: string,
  accessToken: string,
  http: UpstreamHttp,
  now: () => number,
): Promise<Omit<UpstreamIdentity, 'scopes'>> {
  const { body } = await getIdentityJson(http, `${config.apiBaseUrl}/oauth2/@me`, accessToken, now);
  const application = body.application as { id?: unknown } | null | undefined;
  if (!application || typeof application !== 'object' || application.id !== clientId) {
    throw new UpstreamRejectedError('The access token was issued to another application', {
      operation: 'identity',
      reason: 'invalid_token',
      upstreamStatus: 200,
    });
  }
  const user = body.user as Record<string, unknown> | null | undefined;
  if (!user || typeof user !== 'object' || typeof user.id !== 'string' || !/^\d{1,20}$/.test(user.id)) {
    throw missingSubject();
  }
  const expires = typeof body.expires === 'string' ? Date.parse(body.expires) : NaN;
  const scopes = Array.isArray(body.scopes) ? body.scopes.filter((s): s is string => typeof s === 'string') : undefined;
  return {
    subject: user.id,
    claims: { id: user.id, ...pickClaims(user, DISCORD_PROFILE) },
    source: 'discord',
    ...(scopes ? { upstreamScopes: scopes } : {}),
    ...(Number.isNaN(expires) ? {} : { expiresAt: Math.floor(expires / 1000) }),
  };
}
