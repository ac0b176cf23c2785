import type { UpstreamProvider } from './upstream-provider.interface.js';

/** Largest token endpoint response read (a token set is a few KiB). */
export const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

/** RFC 6749 Appendix B: `application/x-www-form-urlencoded` encoding of one value. */
export function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

/**
 * The headers and form of a request to the upstream token or revocation endpoint, with the
 * client authentication of the provider (RFC 6749 §2.3.1): `client_secret_basic` sends
 * `Authorization: Basic base64(urlencode(id):urlencode(secret))`, `client_secret_post` sends
 * `client_id` and `client_secret` in the form, `none` only `client_id`. Every request asks for
 * JSON (`Accept: application/json`): GitHub otherwise answers form-encoded.
 *
 * @internal
 */
export function authenticatedForm(
  provider: UpstreamProvider,
  params: Record<string, string | undefined>,
  extra: Readonly<Record<string, string>> = {},
): { headers: Record<string, string>; body: string } {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(extra)) form.set(name, value);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) form.set(name, value);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  const secret = provider.clientSecret ?? '';
  switch (provider.clientAuthMethod) {
    case 'client_secret_basic':
      headers.authorization = `Basic ${Buffer.from(`${formEncode(provider.clientId)}:${formEncode(secret)}`).toString('base64')}`;
      break;
    case 'client_secret_post':
      form.set('client_id', provider.clientId);
      form.set('client_secret', secret);
      break;
    case 'none':
      form.set('client_id', provider.clientId);
      break;
  }
  return { headers, body: form.toString() };
}
