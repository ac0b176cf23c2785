/**
 * A lean headless OAuth client for the flow benchmark: one complete authorization per call —
 * dynamic registration, `/authorize` with PKCE S256 and RFC 8707 `resource`, then whatever the
 * server answers (its consent page, our level-4 sign-in page, the proxy's redirect to the upstream
 * and back through the callback) until the redirect to the client, then the code exchange.
 *
 * It speaks plain `node:http` over keep-alive connections, keeps a cookie jar per flow (a new
 * browser per user, cookies shared by every port of 127.0.0.1 as browsers do) and reads forms with
 * a few regular expressions: on a 2-core machine every microsecond the load generator spends is
 * taken from the upstream and Redis that share its core. The pages it fills are ours (consent,
 * sign-in); the upstream redirects straight back.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** One HTTP answer (redirects are never followed). */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Keep-alive HTTP/1.1 client shared by the concurrent flows of one driver. */
export class HttpClient {
  private readonly agent: Agent;
  /** Requests sent. */
  requests = 0;

  constructor(maxSockets: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  send(method: string, url: URL, headers: Record<string, string> = {}, body?: string): Promise<HttpAnswer> {
    this.requests += 1;
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        url,
        {
          method,
          agent: this.agent,
          headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
          res.on('error', reject);
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${method} ${url.pathname}`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Cookies of one browser (one user), host-wide on 127.0.0.1 like a browser's. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(headers: IncomingHttpHeaders): void {
    for (const line of headers['set-cookie'] ?? []) {
      const end = line.indexOf(';');
      const pair = end < 0 ? line : line.slice(0, end);
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /;\s*max-age=0\b/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&quot;': '"', '&#39;': "'", '&lt;': '<', '&gt;': '>' };
const unescapeHtml = (s: string) => s.replace(/&(?:amp|quot|#39|lt|gt);/g, (e) => ENTITIES[e]);
const attribute = (tag: string, name: string) =>
  new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag)?.[1] as string | undefined;

/** The first POST form of a page: its action, hidden fields, and whether it asks for a password. */
function readForm(html: string, base: URL): { action: URL; fields: Record<string, string>; password: boolean } {
  const formTag = /<form\b[^>]*>/i.exec(html)?.[0];
  if (!formTag) throw new Error(`no form on the page: ${html.slice(0, 300)}`);
  const action = new URL(unescapeHtml(attribute(formTag, 'action') ?? ''), base);
  const fields: Record<string, string> = {};
  let password = false;
  for (const [tag] of html.matchAll(/<input\b[^>]*>/gi)) {
    const type = attribute(tag, 'type')?.toLowerCase();
    if (type === 'password') password = true;
    const name = attribute(tag, 'name');
    if (type === 'hidden' && name) fields[unescapeHtml(name)] = unescapeHtml(attribute(tag, 'value') ?? '');
  }
  return { action, fields, password };
}

/** What the flows need to know about the server. */
export interface FlowTarget {
  /** The authorization server's origin (endpoints at their default paths). */
  readonly issuer: string;
  /** The MCP resource URL (RFC 8707 `resource`, token audience). */
  readonly resource: string;
  readonly scope: string;
  /** Level 4: the user who signs in. */
  readonly user?: { readonly username: string; readonly password: string };
}

/** A completed flow. */
export interface FlowOutcome {
  readonly clientId: string;
  readonly accessToken: string;
  readonly refreshToken: string | undefined;
  /** HTTP requests this flow sent (the server's own requests to the upstream not included). */
  readonly requests: number;
}

const REDIRECT_URI = 'http://127.0.0.1:9/callback';

/**
 * One complete flow: register → authorize → (sign in) → consent → (upstream authorize →
 * callback) → token. Throws on any answer a real client could not continue with.
 */
export async function runFlow(http: HttpClient, target: FlowTarget): Promise<FlowOutcome> {
  let requests = 0;
  const send = (method: string, url: URL, headers?: Record<string, string>, body?: string) => {
    requests += 1;
    return http.send(method, url, headers, body);
  };
  const registered = await send(
    'POST',
    new URL('/register', target.issuer),
    { 'content-type': 'application/json' },
    JSON.stringify({
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'bench client',
    }),
  );
  if (registered.status !== 201) throw new Error(`register: ${registered.status} ${registered.body.slice(0, 200)}`);
  const clientId = (JSON.parse(registered.body) as { client_id: string }).client_id;

  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL('/authorize', target.issuer);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope: target.scope,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    resource: target.resource,
  }).toString();

  const jar = new CookieJar();
  let url = authorize;
  let answer = await send('GET', url, jar.header());
  let code: string | undefined;
  for (let step = 0; step < 12 && code === undefined; step++) {
    jar.store(answer.headers);
    if (answer.status >= 300 && answer.status < 400 && answer.headers.location) {
      const next = new URL(answer.headers.location, url);
      if (`${next.origin}${next.pathname}` === REDIRECT_URI) {
        const error = next.searchParams.get('error');
        if (error) throw new Error(`authorization error: ${error} ${next.searchParams.get('error_description')}`);
        if (next.searchParams.get('state') !== state) throw new Error('state mismatch');
        if (next.searchParams.get('iss') !== target.issuer) throw new Error('iss mismatch');
        code = next.searchParams.get('code') ?? undefined;
        if (!code) throw new Error('no code');
        break;
      }
      url = next;
      answer = await send('GET', url, jar.header());
      continue;
    }
    if (answer.status !== 200) throw new Error(`${url.pathname}: ${answer.status} ${answer.body.slice(0, 200)}`);
    const form = readForm(answer.body, url);
    const fields = form.password
      ? { ...form.fields, username: target.user?.username ?? '', password: target.user?.password ?? '' }
      : { ...form.fields, decision: 'approve' };
    url = form.action;
    answer = await send(
      'POST',
      url,
      { 'content-type': 'application/x-www-form-urlencoded', ...jar.header() },
      new URLSearchParams(fields).toString(),
    );
  }
  if (code === undefined) throw new Error('authorization did not reach the client');

  const exchanged = await send(
    'POST',
    new URL('/token', target.issuer),
    { 'content-type': 'application/x-www-form-urlencoded' },
    new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: clientId,
      resource: target.resource,
    }).toString(),
  );
  if (exchanged.status !== 200) throw new Error(`token: ${exchanged.status} ${exchanged.body.slice(0, 200)}`);
  const tokens = JSON.parse(exchanged.body) as { access_token?: string; token_type?: string; refresh_token?: string };
  if (!tokens.access_token || tokens.token_type?.toLowerCase() !== 'bearer') throw new Error('no bearer access token');
  return { clientId, accessToken: tokens.access_token, refreshToken: tokens.refresh_token, requests };
}
