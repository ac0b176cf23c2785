import { createHash, randomBytes } from 'node:crypto';
import { postMcp, toolCall } from '../../helpers/clients.js';
import type { AsApp } from './as-app.js';
import { Browser, type BrowserResponse } from './browser.js';
import { USER } from './levels.js';

/** Redirect URIs of the catalog's clients `pub1` and `pub2` (loopback, never listened on). */
export const PUB1_REDIRECT = 'http://127.0.0.1:5555/cb';
export const PUB2_REDIRECT = 'http://127.0.0.1:5556/cb';

/** Catalog baseline D-00: a public client registered through DCR. */
export const D00 = {
  redirect_uris: [PUB1_REDIRECT],
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  client_name: 't',
} as const;

/** The RFC 7591 registration response of a client. */
export interface RegisteredClient {
  readonly client_id: string;
  readonly client_secret?: string;
  readonly redirect_uris: string[];
  readonly token_endpoint_auth_method: string;
  readonly [member: string]: unknown;
}

/** A JSON or form answer of a back-channel endpoint. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body (`undefined` if it is not JSON). */
  readonly body: Record<string, unknown> | undefined;
}

async function answer(response: Response): Promise<HttpAnswer> {
  const text = await response.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** `POST /register` with a JSON (or any) body. */
export async function register(
  app: AsApp,
  body: unknown,
  options: { contentType?: string; raw?: boolean; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const response = await fetch(app.url('/register'), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': options.contentType ?? 'application/json', ...options.headers },
    body: options.raw ? (body as string) : JSON.stringify(body),
  });
  return answer(response);
}

/** Registers a client (D-00 plus overrides) and returns the 201 body. */
export async function registerClient(app: AsApp, overrides: Record<string, unknown> = {}): Promise<RegisteredClient> {
  const result = await register(app, { ...D00, ...overrides });
  if (result.status !== 201) throw new Error(`registration failed: ${result.status} ${result.text}`);
  return result.body as unknown as RegisteredClient;
}

/** A PKCE pair (RFC 7636, S256). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Parameters of an authorization request; `null` leaves a parameter out. */
export interface AuthorizationParams {
  readonly response_type?: string | null;
  readonly client_id?: string | null;
  readonly redirect_uri?: string | null;
  readonly scope?: string | null;
  readonly state?: string | null;
  readonly code_challenge?: string | null;
  readonly code_challenge_method?: string | null;
  readonly resource?: string | null;
  readonly [extra: string]: string | null | undefined;
}

/** The `/authorize` URL of an instance for a client, with S256 PKCE and a state unless overridden. */
export function authorizationUrl(
  app: AsApp,
  client: Pick<RegisteredClient, 'client_id' | 'redirect_uris'>,
  params: AuthorizationParams = {},
  challenge = pkce().challenge,
): URL {
  const url = new URL(app.url('/authorize'));
  const all: AuthorizationParams = {
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: client.redirect_uris[0],
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: randomBytes(12).toString('base64url'),
    ...params,
  };
  for (const [name, value] of Object.entries(all))
    if (value !== null && value !== undefined) url.searchParams.set(name, value);
  return url;
}

/** How the walk through the authorization pages behaves. */
export interface WalkOptions {
  /** The user's answer on the consent page. @default 'approve' */
  readonly decision?: 'approve' | 'deny';
  /** Credentials typed on sign-in pages (ours at level 4, the upstream's at level 3). */
  readonly user?: { username: string; password: string };
  readonly maxSteps?: number;
}

/**
 * Follows an authorization from a response the way a user does: redirects, the sign-in form,
 * the consent form (ours, then the upstream's at level 3), until the redirect to the client's
 * `redirectUri`, whose URL it returns (never requested).
 */
export async function walkToClient(
  browser: Browser,
  start: BrowserResponse,
  redirectUri: string,
  options: WalkOptions = {},
): Promise<URL> {
  const user = options.user ?? USER;
  let response = start;
  for (let step = 0; step < (options.maxSteps ?? 20); step++) {
    if (response.status >= 300 && response.status < 400 && response.location) {
      if (isClientRedirect(response.location, redirectUri)) return response.location;
      response = await browser.get(response.location);
      continue;
    }
    const forms = response.status === 200 ? Browser.forms(response) : [];
    const signIn = forms.find((form) => form.hasPassword);
    const consent = forms.find((form) => form.buttons.some(([name]) => name === 'decision'));
    const upstreamConsent = forms.find((form) => form.action.pathname.endsWith('/confirm'));
    if (signIn) {
      response = await browser.post(signIn.action, {
        ...signIn.fields,
        username: user.username,
        password: user.password,
      });
    } else if (consent) {
      response = await browser.post(consent.action, { ...consent.fields, decision: options.decision ?? 'approve' });
    } else if (upstreamConsent) {
      response = await browser.post(upstreamConsent.action, upstreamConsent.fields);
    } else {
      const alert = /role="alert">([^<]*)</.exec(response.body)?.[1];
      throw new Error(
        `authorization stuck at ${response.url.href} (HTTP ${response.status}): ${alert ?? response.body.slice(0, 400)}`,
      );
    }
  }
  throw new Error(`too many steps in the authorization: ${browser.visited.join(' → ')}`);
}

function isClientRedirect(location: URL, redirectUri: string): boolean {
  const expected = new URL(redirectUri);
  return (
    location.protocol === expected.protocol &&
    location.host === expected.host &&
    location.pathname === expected.pathname
  );
}

/**
 * Opens the consent page of an authorization request: follows the redirects of `/authorize`
 * and signs in first at level 4. Returns the consent page (or whatever page stopped the walk).
 */
export async function openConsentPage(
  app: AsApp,
  client: Pick<RegisteredClient, 'client_id' | 'redirect_uris'>,
  params: AuthorizationParams = {},
  browser = new Browser(app),
): Promise<BrowserResponse> {
  let response = await browser.get(authorizationUrl(app, client, params));
  for (let step = 0; step < 6; step++) {
    if (response.status >= 300 && response.status < 400 && response.location) {
      response = await browser.get(response.location);
      continue;
    }
    const signIn = response.status === 200 ? Browser.forms(response).find((form) => form.hasPassword) : undefined;
    if (!signIn) return response;
    response = await browser.post(signIn.action, {
      ...signIn.fields,
      username: USER.username,
      password: USER.password,
    });
  }
  return response;
}

/** Result of a completed authorization request. */
export interface Authorization {
  readonly code: string;
  readonly verifier: string;
  readonly state: string | undefined;
  /** The redirect to the client (code, state, iss). */
  readonly redirect: URL;
  readonly browser: Browser;
}

/**
 * Runs authorize → (sign-in) → consent → (upstream sign-in and consent, callback) → code
 * headlessly and returns the code with its PKCE verifier.
 */
export async function authorizeCode(
  app: AsApp,
  client: Pick<RegisteredClient, 'client_id' | 'redirect_uris'>,
  params: AuthorizationParams = {},
  options: WalkOptions & { browser?: Browser } = {},
): Promise<Authorization> {
  const { verifier, challenge } = pkce();
  const browser = options.browser ?? new Browser(app);
  const url = authorizationUrl(app, client, params, challenge);
  const redirect = await walkToClient(
    browser,
    await browser.get(url),
    params.redirect_uri ?? client.redirect_uris[0],
    options,
  );
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in the redirect: ${redirect.href}`);
  return { code, verifier, state: url.searchParams.get('state') ?? undefined, redirect, browser };
}

/** How a client authenticates at the token, revocation and introspection endpoints. */
export function clientAuthentication(client: RegisteredClient): {
  form: Record<string, string>;
  headers: Record<string, string>;
} {
  switch (client.token_endpoint_auth_method) {
    case 'client_secret_basic':
      return {
        form: {},
        headers: {
          authorization: `Basic ${Buffer.from(
            `${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret ?? '')}`,
          ).toString('base64')}`,
        },
      };
    case 'client_secret_post':
      return { form: { client_id: client.client_id, client_secret: client.client_secret ?? '' }, headers: {} };
    default:
      return { form: { client_id: client.client_id }, headers: {} };
  }
}

/** POSTs an `application/x-www-form-urlencoded` body (a string is sent verbatim). */
export async function postForm(
  url: string,
  form: Record<string, string> | URLSearchParams | string,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const body =
    typeof form === 'string'
      ? form
      : form instanceof URLSearchParams
        ? form.toString()
        : new URLSearchParams(form).toString();
  const response = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  return answer(response);
}

/** `POST /token` with `grant_type=authorization_code` (TK-00) for a client; `extra` overrides fields. */
export async function exchangeCode(
  app: AsApp,
  client: RegisteredClient,
  code: string,
  verifier: string,
  extra: Record<string, string> = {},
): Promise<HttpAnswer> {
  const auth = clientAuthentication(client);
  return postForm(
    app.url('/token'),
    {
      grant_type: 'authorization_code',
      code,
      redirect_uri: client.redirect_uris[0],
      code_verifier: verifier,
      ...auth.form,
      ...extra,
    },
    auth.headers,
  );
}

/** `POST /token` with `grant_type=refresh_token`. */
export async function refreshTokens(
  app: AsApp,
  client: RegisteredClient,
  refreshToken: string,
  extra: Record<string, string> = {},
): Promise<HttpAnswer> {
  const auth = clientAuthentication(client);
  return postForm(
    app.url('/token'),
    { grant_type: 'refresh_token', refresh_token: refreshToken, ...auth.form, ...extra },
    auth.headers,
  );
}

/** `POST /revoke` (RFC 7009). */
export async function revokeToken(
  app: AsApp,
  client: RegisteredClient,
  token: string,
  extra: Record<string, string> = {},
): Promise<HttpAnswer> {
  const auth = clientAuthentication(client);
  return postForm(app.url('/revoke'), { token, ...auth.form, ...extra }, auth.headers);
}

/** A token response. */
export interface Tokens {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly token_type: string;
  readonly expires_in: number;
  readonly scope: string;
}

/** A full authorization plus the code exchange; fails unless the exchange answers 200. */
export async function obtainTokens(
  app: AsApp,
  client: RegisteredClient,
  params: AuthorizationParams = {},
  options: WalkOptions & { browser?: Browser } = {},
): Promise<Tokens & { authorization: Authorization }> {
  const authorization = await authorizeCode(app, client, params, options);
  const exchanged = await exchangeCode(app, client, authorization.code, authorization.verifier);
  if (exchanged.status !== 200) throw new Error(`code exchange failed: ${exchanged.status} ${exchanged.text}`);
  return { ...(exchanged.body as unknown as Tokens), authorization };
}

/** Calls the `whoami` tool at an instance's MCP endpoint with a bearer token. */
export async function callMcp(app: AsApp, accessToken: string, tool = 'whoami') {
  const response = await postMcp(app.url('/mcp'), toolCall(tool), { authorization: `Bearer ${accessToken}` });
  return { status: response.status, challenge: response.headers.get('www-authenticate'), text: await response.text() };
}
