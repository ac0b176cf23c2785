import { createHash, randomBytes } from 'node:crypto';
import { load, type CheerioAPI } from 'cheerio';
import { approveAll, HeadlessBrowser, type FormPolicy } from '../../helpers/headless-browser.js';

/** An answer as the tests look at it: status, headers (set-cookie as a list) and body. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly location: string | undefined;
  readonly setCookies: string[];
  readonly body: string;
}

/**
 * The user's browser at the proxy: keeps the proxy's cookies (one origin), never follows
 * redirects by itself, and sends what a browser would (`Sec-Fetch-Site` only when asked).
 */
export class ProxyBrowser {
  readonly cookies = new Map<string, string>();

  async get(url: string | URL, headers: Record<string, string> = {}): Promise<Answer> {
    return this.send(url, { method: 'GET', headers });
  }

  async post(url: string | URL, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
    return this.send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }

  /** The `Cookie` header this browser sends. */
  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private async send(url: string | URL, init: { method: string; headers: Record<string, string>; body?: string }) {
    const cookie = this.cookieHeader();
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...init.headers },
    });
    const setCookies = response.headers.getSetCookie();
    for (const header of setCookies) {
      const [pair, ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
    return {
      status: response.status,
      headers: response.headers,
      location: response.headers.get('location') ?? undefined,
      setCookies,
      body: await response.text(),
    };
  }
}

/** A public MCP client registered by DCR, with its PKCE pair for one authorization. */
export interface TestClient {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly clientName: string;
}

/** RFC 7636 S256 pair. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Registers a public client (RFC 7591) at the proxy. */
export async function registerClient(
  origin: string,
  metadata: { redirectUri?: string; clientName?: string; extra?: Record<string, unknown> } = {},
): Promise<TestClient> {
  const redirectUri = metadata.redirectUri ?? 'http://127.0.0.1:5555/cb';
  const clientName = metadata.clientName ?? 'proxy e2e client';
  const response = await fetch(`${origin}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: clientName,
      ...metadata.extra,
    }),
  });
  const body = (await response.json()) as { client_id?: string; error?: string };
  if (response.status !== 201 || !body.client_id) throw new Error(`registration failed: ${JSON.stringify(body)}`);
  return { clientId: body.client_id, redirectUri, clientName };
}

/** One authorization of a client, with everything the client keeps. */
export interface Authorization {
  readonly client: TestClient;
  readonly verifier: string;
  readonly state: string;
  readonly url: URL;
}

/** The client's `/authorize` URL (baseline Q0 of the security catalog, one thing changeable). */
export function authorization(
  origin: string,
  mcpUrl: string,
  client: TestClient,
  params: Record<string, string | undefined> = {},
): Authorization {
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(12).toString('base64url');
  const url = new URL(`${origin}/authorize`);
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    resource: mcpUrl,
    ...params,
  };
  for (const [name, value] of Object.entries(all)) if (value !== undefined) url.searchParams.set(name, value);
  return { client, verifier, state: params.state ?? state, url };
}

/** The consent page as parsed HTML, with its form. */
export interface ConsentPage {
  readonly answer: Answer;
  readonly $: CheerioAPI;
  readonly action: URL;
  readonly csrfToken: string;
}

/** GET /authorize → 302 to the consent page → GET it. */
export async function openConsent(browser: ProxyBrowser, auth: Authorization): Promise<ConsentPage> {
  const start = await browser.get(auth.url);
  if (start.status !== 302 || !start.location) {
    throw new Error(`authorize did not redirect to consent: ${start.status} ${start.body.slice(0, 200)}`);
  }
  return readConsent(browser, new URL(start.location, auth.url));
}

export async function readConsent(browser: ProxyBrowser, url: URL): Promise<ConsentPage> {
  const answer = await browser.get(url);
  const $ = load(answer.body);
  const form = $('form[method="post"]').first();
  return {
    answer,
    $,
    action: new URL(form.attr('action') ?? url.href, url),
    csrfToken: form.find('input[name="csrf_token"]').attr('value') ?? '',
  };
}

/** Submits the consent form: approve (→ 303 to the upstream) or deny (→ 303 to the client). */
export function decide(
  browser: ProxyBrowser,
  page: ConsentPage,
  decision: 'approve' | 'deny',
  extra: Record<string, string> = {},
): Promise<Answer> {
  return browser.post(page.action, { csrf_token: page.csrfToken, decision, ...extra });
}

/**
 * The user at the upstream: signs in and approves there (its own browser session), and returns
 * the URL the upstream redirects to (the proxy's callback), without following it.
 */
export function upstreamUser(
  callbackUrl: string,
  user = { username: 'alice', password: 'wonderland' },
  policy: FormPolicy = approveAll(user),
): { authorize(upstreamUrl: string): Promise<URL>; browser: HeadlessBrowser } {
  const browser = new HeadlessBrowser(policy);
  return { browser, authorize: (upstreamUrl) => browser.authorize(upstreamUrl, callbackUrl) };
}

/** The outcome of the whole browser part of a flow, up to the client's redirect URI. */
export interface CompletedAuthorization extends Authorization {
  readonly redirect: URL;
  readonly code: string;
}

/**
 * Runs the browser part of a flow: authorize → consent (approve) → upstream login → callback →
 * redirect to the client with a code.
 */
export async function authorizeThroughProxy(
  browser: ProxyBrowser,
  auth: Authorization,
  upstream: { authorize(upstreamUrl: string): Promise<URL> },
): Promise<CompletedAuthorization> {
  const consent = await openConsent(browser, auth);
  const approved = await decide(browser, consent, 'approve');
  if (approved.status !== 303 || !approved.location) {
    throw new Error(`approval did not redirect upstream: ${approved.status} ${approved.body.slice(0, 200)}`);
  }
  const callback = await upstream.authorize(approved.location);
  const answer = await browser.get(callback);
  if (answer.status !== 302 || !answer.location) {
    throw new Error(`callback did not redirect: ${answer.status} ${answer.body.slice(0, 300)}`);
  }
  const redirect = new URL(answer.location);
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in ${answer.location}`);
  return { ...auth, redirect, code };
}

/** Token endpoint call (form body). */
export async function tokenRequest(
  origin: string,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${origin}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

/** Redeems the code of a completed authorization. */
export async function redeem(
  origin: string,
  done: CompletedAuthorization,
): Promise<{ access_token: string; refresh_token: string; scope: string; expires_in: number }> {
  const { status, body } = await tokenRequest(origin, {
    grant_type: 'authorization_code',
    code: done.code,
    redirect_uri: done.client.redirectUri,
    client_id: done.client.clientId,
    code_verifier: done.verifier,
  });
  if (status !== 200) throw new Error(`token request failed: ${status} ${JSON.stringify(body)}`);
  return body as never;
}

/** A JSON-RPC call on the MCP endpoint with a bearer token. */
export async function mcpCall(
  mcpUrl: string,
  accessToken: string,
  method: string,
  params: Record<string, unknown> = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(mcpUrl, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${accessToken}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const text = await response.text();
  let body: unknown = text;
  const data = /^data: (.*)$/m.exec(text);
  try {
    body = JSON.parse(data ? data[1] : text);
  } catch {
    // not JSON
  }
  return { status: response.status, headers: response.headers, body };
}

/** Calls a tool and returns its structured result (throws on a tool error). */
export async function callTool(
  mcpUrl: string,
  accessToken: string,
  name: string,
  args: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const { status, body } = await mcpCall(mcpUrl, accessToken, 'tools/call', { name, arguments: args });
  const result = (
    body as { result?: { structuredContent?: Record<string, unknown>; isError?: boolean; content?: unknown } }
  ).result;
  if (status !== 200 || !result || result.isError)
    throw new Error(`tool ${name} failed: ${status} ${JSON.stringify(body)}`);
  return result.structuredContent as Record<string, unknown>;
}
