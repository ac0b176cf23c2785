import { GITHUB_API_VERSION } from './identity/github.identity.js';
import { UpstreamError, UpstreamProtocolError } from './upstream.errors.js';
import { parseJsonObject, transientStatusError, type UpstreamHttp } from './upstream-http.js';
import type { ResolvedUpstreamEndpoints } from './upstream-metadata.js';
import type { UpstreamProvider } from './upstream-provider.interface.js';
import type { RevocationOutcome, UpstreamTokens } from './upstream-tokens.interface.js';
import { authenticatedForm } from './token-request.js';

const MAX_REVOCATION_RESPONSE_BYTES = 16 * 1024;

/**
 * Revokes an upstream grant and reports what happened without throwing (security catalog
 * RV-07).
 *
 * - RFC 7009: the refresh token when there is one (revoking it revokes the grant and its access
 *   tokens, RFC 7009 §2.1; Google, Cognito, Auth0 and oidc-provider do), else the access token,
 *   with a `token_type_hint`. 200 is success, including for an already invalid token (§2.2).
 * - GitHub: `DELETE /applications/{client_id}/grant` with Basic client credentials and
 *   `{"access_token": …}`, which deletes the grant and every token of it. 204 is success; 422
 *   (GitHub's answer for a token that is no longer valid) counts as already revoked.
 *
 * @internal
 */
export async function revokeUpstream(
  provider: UpstreamProvider,
  endpoints: () => Promise<ResolvedUpstreamEndpoints>,
  http: UpstreamHttp,
  tokens: Partial<Pick<UpstreamTokens, 'accessToken' | 'refreshToken'>>,
  now: () => number,
): Promise<RevocationOutcome> {
  const revocation = provider.revocation;
  if (revocation.kind === 'none') return { status: 'unsupported' };
  try {
    if (revocation.kind === 'github-grant') {
      if (!tokens.accessToken) return { status: 'skipped' };
      const credentials = Buffer.from(`${provider.clientId}:${provider.clientSecret ?? ''}`).toString('base64');
      const response = await http.request(
        'revocation',
        revocation.url,
        {
          method: 'DELETE',
          headers: {
            accept: 'application/vnd.github+json',
            'x-github-api-version': GITHUB_API_VERSION,
            'content-type': 'application/json',
            authorization: `Basic ${credentials}`,
          },
          body: JSON.stringify({ access_token: tokens.accessToken }),
        },
        MAX_REVOCATION_RESPONSE_BYTES,
      );
      if (response.status === 204) return { status: 'revoked', token: 'access_token' };
      if (response.status === 422) return { status: 'revoked', token: 'access_token', alreadyInvalid: true };
      throw transientStatusError('revocation', response, now()) ?? unexpected(response.status, response.text);
    }
    const token = tokens.refreshToken ?? tokens.accessToken;
    if (!token) return { status: 'skipped' };
    const hint = tokens.refreshToken ? 'refresh_token' : 'access_token';
    const { revocation: url } = await endpoints();
    if (!url) return { status: 'unsupported' };
    const request = authenticatedForm(provider, { token, token_type_hint: hint });
    const response = await http.request(
      'revocation',
      url,
      { method: 'POST', ...request },
      MAX_REVOCATION_RESPONSE_BYTES,
    );
    if (response.status === 200) return { status: 'revoked', token: hint };
    throw transientStatusError('revocation', response, now()) ?? unexpected(response.status, response.text);
  } catch (error) {
    const failure =
      error instanceof UpstreamError
        ? error
        : new UpstreamProtocolError('The identity provider revocation failed', {
            operation: 'revocation',
            reason: 'malformed_response',
            cause: error,
          });
    return {
      status: 'failed',
      error: failure,
      retryable: failure.retryable,
      ...(failure.retryable
        ? { retryAfterSeconds: (failure as { retryAfterSeconds?: number }).retryAfterSeconds }
        : {}),
    };
  }
}

function unexpected(status: number, text: string): UpstreamProtocolError {
  const body = parseJsonObject(text);
  return new UpstreamProtocolError('The identity provider refused the revocation request', {
    operation: 'revocation',
    reason: status >= 300 && status < 400 ? 'redirect' : 'unexpected_status',
    upstreamStatus: status,
    ...(typeof body?.error === 'string' ? { upstreamError: body.error } : {}),
    ...(typeof body?.error_description === 'string' ? { upstreamDescription: body.error_description } : {}),
  });
}
