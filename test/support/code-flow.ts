import { createHash, randomBytes } from 'node:crypto';
import { HeadlessBrowser } from '../helpers/headless-browser.js';

/** A client registered over RFC 7591 at a level-3/4 app. */
export interface RegisteredClient {
  clientId: string;
  clientSecret?: string;
  redirectUri: string;
}

/** Registers a public client (PKCE, `token_endpoint_auth_method: none`). */
export async function registerClient(
  origin: string,
  metadata: Record<string, unknown> = {},
  redirectUri = 'http://127.0.0.1:9/callback',
): Promise<RegisteredClient> {
  const response = await fetch(`${origin}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Flow test client',
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...metadata,
    }),
  });
  if (response.status !== 201) throw new Error(`registration failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { client_id: string; client_secret?: string };
  return { clientId: body.client_id, clientSecret: body.client_secret, redirectUri };
}

/** Runs `/authorize` in `browser` up to the client's redirect and returns the callback URL. */
export async function authorizeIn(
  browser: HeadlessBrowser,
  origin: string,
  client: RegisteredClient,
  options: { scope?: string; resource?: string } = {},
): Promise<{ callback: URL; verifier: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(`${origin}/authorize`);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('redirect_uri', client.redirectUri);
  url.searchParams.set('code_challenge', createHash('sha256').update(verifier).digest('base64url'));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', randomBytes(8).toString('hex'));
  if (options.scope) url.searchParams.set('scope', options.scope);
  if (options.resource) url.searchParams.set('resource', options.resource);
  return { callback: await browser.authorize(url, client.redirectUri), verifier };
}

/** Token response of a successful exchange. */
export interface Tokens {
  access_token: string;
  refresh_token?: string;
  scope?: string;
  expires_in?: number;
}

/** `POST /token` with a form; returns status and JSON body. */
export async function tokenRequest(
  origin: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${origin}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Exchanges the code of a callback; throws unless it succeeds. */
export async function exchangeCode(
  origin: string,
  client: RegisteredClient,
  flow: { callback: URL; verifier: string },
): Promise<Tokens> {
  const code = flow.callback.searchParams.get('code');
  if (!code) throw new Error(`no code in ${flow.callback.href}`);
  const { status, body } = await tokenRequest(origin, {
    grant_type: 'authorization_code',
    code,
    code_verifier: flow.verifier,
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
  });
  if (status !== 200) throw new Error(`token exchange failed: ${status} ${JSON.stringify(body)}`);
  return body as unknown as Tokens;
}

/** HTTP Basic credentials header for a confidential client. */
export function basicAuth(clientId: string, secret: string): Record<string, string> {
  const encode = (value: string) => encodeURIComponent(value);
  return { authorization: `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}` };
}
