import { createHash, randomBytes, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A faithful local fake of the parts of GitHub an OAuth proxy talks to, written from GitHub's
 * documentation:
 *
 * - "Authorizing OAuth apps" (web application flow: `GET /login/oauth/authorize`,
 *   `POST /login/oauth/access_token`, redirect URL rules, PKCE, response formats);
 * - "Troubleshooting authorization request errors" and "Troubleshooting OAuth app access token
 *   request errors" (errors as redirects, and token errors answered with HTTP 200);
 * - "Scopes for OAuth apps" (normalized scopes, `X-OAuth-Scopes`, `X-Accepted-OAuth-Scopes`);
 * - "Refreshing user access tokens" (GitHub Apps with expiring user tokens);
 * - REST API "Getting started" (User-Agent required, Bearer or `token` authorization, rate limit
 *   headers), "Get the authenticated user" (`GET /user`), "List repositories for the
 *   authenticated user" (`GET /user/repos`) and "Delete an app authorization"
 *   (`DELETE /applications/{client_id}/grant`).
 *
 * Where the documentation is silent the choice is marked "Assumption". The web routes live at
 * the origin (like `https://github.com`) and the REST API under `/api/v3` (like GitHub
 * Enterprise Server, `https://HOST/api/v3`). Every route can be faulted (`set`) and counts its
 * hits. It listens on 127.0.0.1 only.
 */
export class GitHubFake {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The signed-in GitHub user who authorizes the app. */
  user: GitHubFakeUser = { id: 583231, login: 'octocat', name: 'The Octocat', email: 'octocat@github.com' };
  /** Whether the user clicks "Authorize" (true) or "Cancel" (false) on the authorization page. */
  approve = true;
  /** Scopes the user leaves checked (users can edit requested scopes); all requested when undefined. */
  grantedScopes: string[] | undefined;
  /** The user's repositories (`GET /user/repos`); private ones are listed only for `repo` tokens. */
  repositories: GitHubFakeRepository[] = [
    {
      name: 'Hello-World',
      private: false,
      description: 'My first repository on GitHub!',
      updatedAt: '2026-01-10T09:00:00Z',
    },
    {
      name: 'Spoon-Knife',
      private: false,
      description: 'This repo is for demonstration purposes only.',
      updatedAt: '2026-03-02T12:00:00Z',
    },
    { name: 'secret-plans', private: true, description: null, updatedAt: '2026-02-20T08:30:00Z' },
  ];
  readonly hits: Record<GitHubRoute, number> = { authorize: 0, access_token: 0, user: 0, grant: 0, repos: 0 };
  /** Requests seen by the token endpoint, for assertions on what the client sent. */
  readonly tokenRequests: Array<{ headers: IncomingMessage['headers']; params: Record<string, string> }> = [];

  private readonly faults = new Map<GitHubRoute, GitHubFault>();
  private readonly codes = new Map<string, PendingCode>();
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly refreshTokens = new Map<string, IssuedToken>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private server: Server | undefined;
  private port = 0;

  constructor(private readonly options: GitHubFakeOptions) {
    this.clientId = options.clientId ?? `Ov23li${randomBytes(7).toString('hex')}`;
    this.clientSecret = options.clientSecret ?? randomBytes(20).toString('hex');
  }

  /** Web origin (stands for `https://github.com`). */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** REST API base (stands for `https://api.github.com`). */
  get apiBaseUrl(): string {
    return `${this.origin}/api/v3`;
  }

  /** Makes `route` answer with a fault until {@link clear}. */
  set(route: GitHubRoute, fault: GitHubFault): void {
    this.faults.set(route, fault);
  }

  clear(): void {
    this.faults.clear();
  }

  /** Whether an access token is currently valid. */
  isValid(accessToken: string): boolean {
    return this.liveToken(accessToken) !== undefined;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.route(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const route = this.routeOf(req.method ?? 'GET', url.pathname);
    if (!route) {
      req.resume();
      return void send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    }
    this.hits[route] += 1;
    const body = await readBody(req);
    const fault = this.faults.get(route);
    const handle = () => {
      if (res.destroyed) return;
      if (fault?.dropConnection) return void req.socket.destroy();
      if (fault?.status !== undefined) {
        res.writeHead(fault.status, { 'content-type': 'application/json; charset=utf-8', ...fault.headers });
        return void res.end(fault.body ?? '');
      }
      switch (route) {
        case 'authorize':
          return this.authorize(url, res);
        case 'access_token':
          return this.accessToken(req, url, body, res);
        case 'user':
          return this.getUser(req, res);
        case 'repos':
          return this.listRepositories(req, url, res);
        case 'grant':
          return this.deleteGrant(req, url, body, res);
      }
    };
    if (fault?.delayMs) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        handle();
      }, fault.delayMs);
      this.timers.add(timer);
    } else {
      handle();
    }
  }

  private routeOf(method: string, path: string): GitHubRoute | undefined {
    if (method === 'GET' && path === '/login/oauth/authorize') return 'authorize';
    if (method === 'POST' && path === '/login/oauth/access_token') return 'access_token';
    if (method === 'GET' && path === '/api/v3/user') return 'user';
    if (method === 'GET' && path === '/api/v3/user/repos') return 'repos';
    if (method === 'DELETE' && path === `/api/v3/applications/${encodeURIComponent(this.clientId)}/grant`)
      return 'grant';
    return undefined;
  }

  /**
   * "Authorizing OAuth apps", step 1. GitHub shows the user an authorization page; this fake
   * answers for the user at once (`approve`). On success it redirects to `redirect_uri` with a
   * `code` (valid ten minutes, single use) and the `state`; on "Cancel" with
   * `error=access_denied`. A `redirect_uri` that does not fit the registered callback URL
   * redirects to the callback URL with `error=redirect_uri_mismatch` ("Troubleshooting
   * authorization request errors"). GitHub sends no RFC 9207 `iss`.
   */
  private authorize(url: URL, res: ServerResponse): void {
    const params = url.searchParams;
    if (params.get('client_id') !== this.clientId) {
      // Assumption: GitHub shows an HTML 404 page for an unknown client id.
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end('<!DOCTYPE html><html><body>Not Found</body></html>');
    }
    const state = params.get('state');
    const requested = params.get('redirect_uri') ?? undefined;
    const callback = this.options.callbackUrl;
    const errorRedirect = (target: string, error: string, description: string, anchor: string) => {
      const location = new URL(target);
      location.searchParams.set('error', error);
      location.searchParams.set('error_description', description);
      location.searchParams.set(
        'error_uri',
        `https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#${anchor}`,
      );
      if (state !== null) location.searchParams.set('state', state);
      redirect(res, location.href);
    };
    if (requested !== undefined && !redirectUriAllowed(requested, callback)) {
      return errorRedirect(
        callback,
        'redirect_uri_mismatch',
        'The redirect_uri MUST match the registered callback URL for this application.',
        'redirect-uri-mismatch',
      );
    }
    const target = requested ?? callback;
    const challenge = params.get('code_challenge');
    const method = params.get('code_challenge_method');
    if (challenge !== null && method !== 'S256') {
      // "code_challenge_method: Must be S256." Assumption: refused as invalid_request.
      return errorRedirect(target, 'invalid_request', 'code_challenge_method must be S256', 'invalid-request');
    }
    if (!this.approve) {
      return errorRedirect(target, 'access_denied', 'The user has denied your application access.', 'access-denied');
    }
    // "scope: A space-delimited list of scopes." Stored normalized ("Normalized scopes").
    const asked = (params.get('scope') ?? '').split(/[\s,]+/).filter(Boolean);
    const scopes = normalizeScopes(this.grantedScopes ?? asked);
    const code = randomBytes(10).toString('hex');
    this.codes.set(code, {
      userId: this.user.id,
      scopes,
      redirectUri: requested,
      challenge: challenge ?? undefined,
      expiresAt: Date.now() + 10 * 60 * 1000,
    });
    const location = new URL(target);
    location.searchParams.set('code', code);
    if (state !== null) location.searchParams.set('state', state);
    redirect(res, location.href);
  }

  /**
   * "Authorizing OAuth apps", step 2, and "Refreshing user access tokens". Parameters come in
   * the query or a form / JSON body. The answer is form-encoded unless `Accept` asks for JSON or
   * XML; errors are answered with HTTP 200 and an `error` member ("Troubleshooting OAuth app
   * access token request errors").
   */
  private accessToken(req: IncomingMessage, url: URL, body: string, res: ServerResponse): void {
    const params: Record<string, string> = Object.fromEntries(url.searchParams);
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('application/json')) Object.assign(params, JSON.parse(body || '{}'));
    else Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
    this.tokenRequests.push({ headers: req.headers, params });
    const answer = (fields: Record<string, string | number>) => sendToken(req, res, fields);
    const error = (code: string, description: string, anchor: string) =>
      answer({
        error: code,
        error_description: description,
        error_uri: `https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#${anchor}`,
      });
    if (params.client_id !== this.clientId || params.client_secret !== this.clientSecret) {
      return error(
        'incorrect_client_credentials',
        'The client_id and/or client_secret passed are incorrect.',
        'incorrect-client-credentials',
      );
    }
    if (params.grant_type === 'refresh_token') {
      const previous = this.refreshTokens.get(params.refresh_token ?? '');
      if (!previous || (previous.refreshExpiresAt ?? 0) < Date.now()) {
        return error('bad_refresh_token', 'The refresh token passed is incorrect or expired.', 'bad-refresh-token');
      }
      // "Refreshing user access tokens": the old refresh token and user access token stop working.
      this.refreshTokens.delete(params.refresh_token);
      this.tokens.delete(previous.accessToken);
      return answer(this.issue(previous.userId, previous.scopes));
    }
    const pending = this.codes.get(params.code ?? '');
    if (!pending || pending.expiresAt < Date.now()) {
      return error('bad_verification_code', 'The code passed is incorrect or expired.', 'bad-verification-code');
    }
    this.codes.delete(params.code);
    if (
      params.redirect_uri !== undefined &&
      pending.redirectUri !== undefined &&
      params.redirect_uri !== pending.redirectUri
    ) {
      return error(
        'redirect_uri_mismatch',
        'The redirect_uri MUST match the registered callback URL for this application.',
        'redirect-uri-mismatch2',
      );
    }
    if (pending.challenge !== undefined) {
      const verifier = params.code_verifier ?? '';
      const computed = createHash('sha256').update(verifier).digest('base64url');
      // Assumption: a missing or wrong verifier fails like a bad code.
      if (computed !== pending.challenge) {
        return error('bad_verification_code', 'The code passed is incorrect or expired.', 'bad-verification-code');
      }
    }
    return answer(this.issue(pending.userId, pending.scopes));
  }

  /** OAuth apps: `gho_` tokens that never expire. GitHub Apps: `ghu_`/`ghr_` with lifetimes. */
  private issue(userId: number, scopes: string[]): Record<string, string | number> {
    const expiring = this.options.expiringTokens === true;
    const accessToken = `${expiring ? 'ghu' : 'gho'}_${base62(36)}`;
    const token: IssuedToken = { accessToken, userId, scopes };
    this.tokens.set(accessToken, token);
    const fields: Record<string, string | number> = { access_token: accessToken };
    if (expiring) {
      token.expiresAt = Date.now() + 28_800_000;
      token.refreshToken = `ghr_${base62(76)}`;
      token.refreshExpiresAt = Date.now() + 15_897_600_000;
      this.refreshTokens.set(token.refreshToken, token);
      Object.assign(fields, {
        expires_in: 28800,
        refresh_token: token.refreshToken,
        refresh_token_expires_in: 15897600,
      });
    }
    // "The scope attribute lists scopes attached to the token that were granted by the user", comma-separated.
    return { ...fields, scope: scopes.join(','), token_type: 'bearer' };
  }

  /**
   * "Get the authenticated user". Requires a `User-Agent` ("Requests with no User-Agent header
   * will be rejected", 403) and a token (`Authorization: Bearer` or `token`); answers the user
   * with `X-OAuth-Scopes` (the token's scopes, comma and space separated) and
   * `X-Accepted-OAuth-Scopes`. A missing or bad token gets 401 "Bad credentials".
   */
  private getUser(req: IncomingMessage, res: ServerResponse): void {
    if (!req.headers['user-agent']) {
      return void send(res, 403, {
        message: 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header',
      });
    }
    const match = /^(?:Bearer|token) (\S+)$/i.exec(req.headers.authorization ?? '');
    const token = match ? this.liveToken(match[1]) : undefined;
    if (!token) {
      return void send(res, 401, {
        message: match ? 'Bad credentials' : 'Requires authentication',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    }
    const headers: Record<string, string> = {
      'x-accepted-oauth-scopes': '',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-github-api-version-selected': '2022-11-28',
    };
    // GitHub App user tokens have no OAuth scopes, so GitHub sends no X-OAuth-Scopes for them.
    if (!token.accessToken.startsWith('ghu_')) headers['x-oauth-scopes'] = token.scopes.join(', ');
    send(res, 200, { ...userJson(this.user) }, headers);
  }

  /**
   * "List repositories for the authenticated user": a token is required (401 "Requires
   * authentication" / "Bad credentials" otherwise); `sort` is `created`, `updated`, `pushed` or
   * `full_name` (the default), `direction` defaults to `asc` for `full_name` and `desc`
   * otherwise, `per_page` defaults to 30 (at most 100) and `page` to 1. Private repositories need
   * the `repo` scope ("Scopes for OAuth apps"); without it only public ones are listed.
   * Assumption: `created_at` and `pushed_at` equal `updated_at`.
   */
  private listRepositories(req: IncomingMessage, url: URL, res: ServerResponse): void {
    const match = /^(?:Bearer|token) (\S+)$/i.exec(req.headers.authorization ?? '');
    const token = match ? this.liveToken(match[1]) : undefined;
    if (!token) {
      return void send(res, 401, {
        message: match ? 'Bad credentials' : 'Requires authentication',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    }
    const params = url.searchParams;
    const sort = params.get('sort') ?? 'full_name';
    const direction = params.get('direction') ?? (sort === 'full_name' ? 'asc' : 'desc');
    const perPage = Math.min(Math.max(Number(params.get('per_page') ?? 30) || 30, 1), 100);
    const page = Math.max(Number(params.get('page') ?? 1) || 1, 1);
    const seesPrivate = token.scopes.includes('repo');
    const repositories = this.repositories
      .filter((repository) => seesPrivate || !repository.private)
      .map((repository) => repositoryJson(this.user, repository))
      .sort((a, b) => {
        const key =
          sort === 'full_name'
            ? 'full_name'
            : `${sort === 'created' ? 'created' : sort === 'pushed' ? 'pushed' : 'updated'}_at`;
        const order = String(a[key]).localeCompare(String(b[key]));
        return direction === 'asc' ? order : -order;
      })
      .slice((page - 1) * perPage, page * perPage);
    send(res, 200, repositories, { 'x-oauth-scopes': token.scopes.join(', '), 'x-accepted-oauth-scopes': 'repo' });
  }

  /**
   * "Delete an app authorization": Basic authentication with the app's client id and secret,
   * body `{"access_token": …}`; deletes the grant and every token of it for that user. 204 on
   * success, 422 "Validation Failed" for a token that is not valid. Assumption: wrong or missing
   * client credentials get 401 like other REST calls with bad credentials.
   */
  private deleteGrant(req: IncomingMessage, _url: URL, body: string, res: ServerResponse): void {
    const expected = `Basic ${Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return void send(res, 401, { message: 'Bad credentials' });
    let accessToken: unknown;
    try {
      accessToken = (JSON.parse(body) as { access_token?: unknown }).access_token;
    } catch {
      accessToken = undefined;
    }
    const token = typeof accessToken === 'string' ? this.liveToken(accessToken) : undefined;
    if (!token) {
      return void send(res, 422, {
        message: 'Validation Failed',
        errors: [{ resource: 'Application', code: 'invalid' }],
      });
    }
    for (const [key, other] of this.tokens) if (other.userId === token.userId) this.tokens.delete(key);
    for (const [key, other] of this.refreshTokens) if (other.userId === token.userId) this.refreshTokens.delete(key);
    res.writeHead(204).end();
  }

  private liveToken(accessToken: string): IssuedToken | undefined {
    const token = this.tokens.get(accessToken);
    return token && (token.expiresAt === undefined || token.expiresAt > Date.now()) ? token : undefined;
  }
}

/** The fake's routes, for faults and hit counts. */
export type GitHubRoute = 'authorize' | 'access_token' | 'user' | 'grant' | 'repos';

/** A repository of the fake's user. */
export interface GitHubFakeRepository {
  readonly name: string;
  readonly private: boolean;
  readonly description: string | null;
  /** ISO 8601 time of the last update. */
  readonly updatedAt: string;
}

/** A fault that replaces a route's behaviour. */
export interface GitHubFault {
  /** Answer with this status (and `headers`, `body`) instead of the real behaviour. */
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Wait this long before answering (or before the real behaviour when no `status`). */
  readonly delayMs?: number;
  /** Destroy the socket without answering. */
  readonly dropConnection?: boolean;
}

/** The GitHub account that authorizes the app (the fields `GET /user` returns). */
export interface GitHubFakeUser {
  readonly id: number;
  readonly login: string;
  readonly name: string | null;
  readonly email: string | null;
}

/** Options of {@link GitHubFake}. */
export interface GitHubFakeOptions {
  /** The OAuth app's registered "Authorization callback URL". */
  readonly callbackUrl: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Behave like a GitHub App with expiring user tokens (`ghu_`, `ghr_`, `expires_in`). */
  readonly expiringTokens?: boolean;
}

interface PendingCode {
  userId: number;
  scopes: string[];
  redirectUri: string | undefined;
  challenge: string | undefined;
  expiresAt: number;
}

interface IssuedToken {
  accessToken: string;
  userId: number;
  scopes: string[];
  expiresAt?: number;
  refreshToken?: string;
  refreshExpiresAt?: number;
}

/** Scopes a broader requested scope already includes are dropped ("Normalized scopes"). */
const INCLUDED_BY: Record<string, string> = {
  'read:user': 'user',
  'user:email': 'user',
  'user:follow': 'user',
  'repo:status': 'repo',
  repo_deployment: 'repo',
  public_repo: 'repo',
  'repo:invite': 'repo',
  security_events: 'repo',
  'read:org': 'write:org',
  'write:org': 'admin:org',
};

function normalizeScopes(scopes: string[]): string[] {
  const set = new Set(scopes);
  const covered = (scope: string): boolean => {
    const parent = INCLUDED_BY[scope];
    return parent !== undefined && (set.has(parent) || covered(parent));
  };
  return [...set].filter((scope) => !covered(scope));
}

/**
 * "Redirect URLs": the host (excluding sub-domains) and port must match the callback URL, and
 * the path must be the callback's or below it. With a loopback callback without port, any port
 * is allowed.
 */
function redirectUriAllowed(requested: string, callback: string): boolean {
  let r: URL;
  try {
    r = new URL(requested);
  } catch {
    return false;
  }
  const c = new URL(callback);
  const loopback = c.hostname === '127.0.0.1' || c.hostname === '[::1]';
  const hostOk = r.hostname === c.hostname || r.hostname.endsWith(`.${c.hostname}`);
  const portOk = r.port === c.port || (loopback && c.port === '');
  const base = c.pathname.replace(/\/+$/, '');
  const pathOk = r.pathname === c.pathname || r.pathname.startsWith(`${base}/`);
  return r.protocol === c.protocol && hostOk && portOk && pathOk;
}

function userJson(user: GitHubFakeUser): Record<string, unknown> {
  return {
    login: user.login,
    id: user.id,
    node_id: `MDQ6VXNlcj${user.id}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
    html_url: `https://github.com/${user.login}`,
    type: 'User',
    site_admin: false,
    name: user.name,
    company: null,
    email: user.email,
    plan: { name: 'free', space: 976562499, private_repos: 10000, collaborators: 0 },
  };
}

function repositoryJson(user: GitHubFakeUser, repository: GitHubFakeRepository): Record<string, unknown> {
  const fullName = `${user.login}/${repository.name}`;
  return {
    id: createHash('sha256').update(fullName).digest().readUInt32BE(0),
    name: repository.name,
    full_name: fullName,
    private: repository.private,
    owner: { login: user.login, id: user.id, type: 'User' },
    html_url: `https://github.com/${fullName}`,
    description: repository.description,
    fork: false,
    visibility: repository.private ? 'private' : 'public',
    default_branch: 'main',
    created_at: repository.updatedAt,
    updated_at: repository.updatedAt,
    pushed_at: repository.updatedAt,
  };
}

function sendToken(req: IncomingMessage, res: ServerResponse, fields: Record<string, string | number>): void {
  const accept = req.headers.accept ?? '';
  if (accept.includes('application/json')) return send(res, 200, fields);
  if (accept.includes('application/xml')) {
    const xml = Object.entries(fields)
      .map(([k, v]) => `<${k}>${String(v).replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'))}</${k}>`)
      .join('');
    res.writeHead(200, { 'content-type': 'application/xml; charset=utf-8' });
    return void res.end(`<OAuth>${xml}</OAuth>`);
  }
  // "By default, the response takes the following form: access_token=…&scope=repo%2Cgist&token_type=bearer"
  res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
  res.end(new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)])).toString());
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'content-type': 'text/html; charset=utf-8' });
  res.end(`<html><body>You are being <a href="${location.replace(/"/g, '&quot;')}">redirected</a>.</body></html>`);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      if (body.length < 65_536) body += chunk;
    });
    req.on('end', () => resolve(body));
    req.on('error', () => resolve(body));
  });
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function base62(length: number): string {
  return Array.from({ length }, () => BASE62[randomInt(62)]).join('');
}
