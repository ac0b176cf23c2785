/**
 * Builds the redirect to the client's `redirect_uri` that ends an authorization request, with
 * the RFC 9207 `iss` parameter on success and on error alike (MCP 2026-07-28; clients compare it
 * to the metadata issuer byte for byte). Existing query parameters of the registered redirect
 * URI are kept; `state` is echoed only when the client sent one.
 */
export function authorizationRedirect(
  redirectUri: string,
  issuer: string,
  result: { code: string } | { error: string; errorDescription?: string },
  state: string | undefined,
): string {
  const url = new URL(redirectUri);
  if ('code' in result) {
    url.searchParams.set('code', result.code);
  } else {
    url.searchParams.set('error', result.error);
    if (result.errorDescription) url.searchParams.set('error_description', result.errorDescription);
  }
  if (state !== undefined) url.searchParams.set('state', state);
  url.searchParams.set('iss', issuer);
  return url.href;
}
