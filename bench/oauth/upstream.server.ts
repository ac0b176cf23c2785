/**
 * The bench's local upstream identity provider: a minimal OAuth 2.0 authorization server with the
 * OpenID Connect parts the proxy's `oidc` preset uses, on plain `node:http`, so that a proxy flow
 * measures the proxy and not the upstream. It is faithful to the protocol where the proxy can
 * tell:
 *
 * - discovery (`/.well-known/oauth-authorization-server` and `/.well-known/openid-configuration`),
 *   RFC 9207 `iss` advertised and sent on every authorization response;
 * - `GET /authorize`: one pre-registered confidential client, `response_type=code`, exact
 *   `redirect_uri`, PKCE S256 required, `openid` scope required, `state` and `nonce` echoed. The
 *   user is already signed in and approved this app before (a returning user at any real IdP),
 *   so it answers the redirect with a fresh code at once — no sign-in page. Each authorization
 *   is another user (`upstream-user-<n>`): many users, each authorizing once;
 * - `POST /token` (`client_secret_basic`): `authorization_code` with single-use codes (deleted on
 *   first use, 60 s lifetime), `redirect_uri` and PKCE checked; `refresh_token` with rotation.
 *   Answers an opaque access token, a refresh token, `expires_in`, the granted `scope` and an ID
 *   token (RS256 by default; `iss`, `sub`, `aud`, `exp`, `iat`, `nonce`);
 * - `GET /userinfo` (bearer), `POST /revoke` (RFC 7009), `GET /jwks`;
 * - `GET /stats`: codes issued and exchanged, refreshes and errors, for the runner's checks.
 *
 * Environment: BENCH_PORT, BENCH_UPSTREAM_CLIENT_ID, BENCH_UPSTREAM_CLIENT_SECRET,
 * BENCH_UPSTREAM_REDIRECT_URIS (comma-separated: the proxies' callbacks), BENCH_UPSTREAM_ALG
 * (`RS256` default, or `ES256`).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { announceReady, exitWithRunner } from '../servers/server-env.js';

const port = Number(process.env.BENCH_PORT);
const clientId = process.env.BENCH_UPSTREAM_CLIENT_ID ?? 'bench-proxy';
const clientSecret = process.env.BENCH_UPSTREAM_CLIENT_SECRET ?? 'bench-proxy-secret';
const redirectUris = new Set((process.env.BENCH_UPSTREAM_REDIRECT_URIS ?? '').split(',').filter(Boolean));
const alg = process.env.BENCH_UPSTREAM_ALG === 'ES256' ? 'ES256' : 'RS256';
const issuer = `http://127.0.0.1:${port}`;
/** Every authorization is a different user: many users, each authorizing once. */
let users = 0;
const CODE_TTL_MS = 60_000;
const ACCESS_TTL_S = 3600;

const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'upstream-1', alg, use: 'sig' }] });

interface PendingCode {
  subject: string;
  redirectUri: string;
  challenge: string;
  nonce: string | undefined;
  scope: string;
  expiresAt: number;
}
const codes = new Map<string, PendingCode>();
const refreshTokens = new Map<string, { subject: string; scope: string }>();
const accessTokens = new Map<string, { subject: string; scope: string; expiresAt: number }>();
const stats = { codesIssued: 0, codesExchanged: 0, refreshes: 0, errors: 0 };

const metadata = JSON.stringify({
  issuer,
  authorization_endpoint: `${issuer}/authorize`,
  token_endpoint: `${issuer}/token`,
  userinfo_endpoint: `${issuer}/userinfo`,
  revocation_endpoint: `${issuer}/revoke`,
  jwks_uri: `${issuer}/jwks`,
  response_types_supported: ['code'],
  grant_types_supported: ['authorization_code', 'refresh_token'],
  code_challenge_methods_supported: ['S256'],
  token_endpoint_auth_methods_supported: ['client_secret_basic'],
  scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: [alg],
  authorization_response_iss_parameter_supported: true,
});

const random = () => randomBytes(32).toString('base64url');

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
    .end(typeof body === 'string' ? body : JSON.stringify(body));
}

function oauthError(res: ServerResponse, status: number, error: string, description: string): void {
  stats.errors += 1;
  json(res, status, { error, error_description: description }, status === 401 ? { 'www-authenticate': 'Basic' } : {});
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 64_000) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** RFC 6749 §2.3.1 `client_secret_basic` (form-urlencoded id and secret inside Basic). */
function authenticatedClient(req: IncomingMessage): boolean {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const unform = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return unform(decoded.slice(0, colon)) === clientId && sameSecret(unform(decoded.slice(colon + 1)), clientSecret);
}

function authorize(url: URL, res: ServerResponse): void {
  const p = url.searchParams;
  const redirectUri = p.get('redirect_uri') ?? '';
  // Without a valid client and redirect URI the error is shown, never redirected (RFC 6749 §4.1.2.1).
  if (p.get('client_id') !== clientId || !redirectUris.has(redirectUri)) {
    stats.errors += 1;
    res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid client or redirect_uri');
    return;
  }
  const back = new URL(redirectUri);
  const state = p.get('state');
  if (state !== null) back.searchParams.set('state', state);
  back.searchParams.set('iss', issuer);
  const fail = (error: string) => {
    stats.errors += 1;
    back.searchParams.set('error', error);
    res.writeHead(302, { location: back.href }).end();
  };
  if (p.get('response_type') !== 'code') return fail('unsupported_response_type');
  const challenge = p.get('code_challenge');
  if (!challenge || p.get('code_challenge_method') !== 'S256') return fail('invalid_request');
  const scope = p.get('scope') ?? '';
  if (!scope.split(' ').includes('openid')) return fail('invalid_scope');
  const code = random();
  codes.set(code, {
    subject: `upstream-user-${++users}`,
    redirectUri,
    challenge,
    nonce: p.get('nonce') ?? undefined,
    scope,
    expiresAt: Date.now() + CODE_TTL_MS,
  });
  stats.codesIssued += 1;
  back.searchParams.set('code', code);
  res.writeHead(302, { location: back.href }).end();
}

async function issueTokens(
  subject: string,
  scope: string,
  nonce: string | undefined,
): Promise<Record<string, unknown>> {
  const accessToken = random();
  const refreshToken = random();
  const now = Math.floor(Date.now() / 1000);
  accessTokens.set(accessToken, { subject, scope, expiresAt: now + ACCESS_TTL_S });
  refreshTokens.set(refreshToken, { subject, scope });
  const idToken = await new SignJWT({ ...(nonce !== undefined ? { nonce } : {}), email: `${subject}@upstream.test` })
    .setProtectedHeader({ alg, kid: 'upstream-1', typ: 'JWT' })
    .setIssuer(issuer)
    .setSubject(subject)
    .setAudience(clientId)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(privateKey);
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: ACCESS_TTL_S,
    refresh_token: refreshToken,
    scope,
    id_token: idToken,
  };
}

async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!authenticatedClient(req)) return oauthError(res, 401, 'invalid_client', 'client authentication failed');
  const form = new URLSearchParams(await readBody(req));
  const grantType = form.get('grant_type');
  if (grantType === 'authorization_code') {
    const code = form.get('code') ?? '';
    const pending = codes.get(code);
    codes.delete(code); // single use, whatever happens next
    if (!pending || pending.expiresAt < Date.now()) return oauthError(res, 400, 'invalid_grant', 'unknown code');
    if (form.get('redirect_uri') !== pending.redirectUri)
      return oauthError(res, 400, 'invalid_grant', 'redirect_uri mismatch');
    const verifier = form.get('code_verifier') ?? '';
    if (createHash('sha256').update(verifier).digest('base64url') !== pending.challenge)
      return oauthError(res, 400, 'invalid_grant', 'PKCE verification failed');
    stats.codesExchanged += 1;
    return json(res, 200, await issueTokens(pending.subject, pending.scope, pending.nonce));
  }
  if (grantType === 'refresh_token') {
    const presented = form.get('refresh_token') ?? '';
    const grant = refreshTokens.get(presented);
    if (!grant) return oauthError(res, 400, 'invalid_grant', 'unknown refresh token');
    refreshTokens.delete(presented); // rotation
    stats.refreshes += 1;
    return json(res, 200, await issueTokens(grant.subject, grant.scope, undefined));
  }
  return oauthError(res, 400, 'unsupported_grant_type', 'unsupported grant_type');
}

function userinfo(req: IncomingMessage, res: ServerResponse): void {
  const header = req.headers.authorization ?? '';
  const known = header.startsWith('Bearer ') ? accessTokens.get(header.slice(7)) : undefined;
  if (!known || known.expiresAt < Date.now() / 1000) {
    stats.errors += 1;
    res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
    return;
  }
  json(res, 200, { sub: known.subject, email: `${known.subject}@upstream.test` });
}

async function revoke(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!authenticatedClient(req)) return oauthError(res, 401, 'invalid_client', 'client authentication failed');
  const presented = new URLSearchParams(await readBody(req)).get('token') ?? '';
  accessTokens.delete(presented);
  refreshTokens.delete(presented);
  res.writeHead(200).end(); // RFC 7009 §2.2: 200 for unknown tokens too
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', issuer);
  const route = `${req.method} ${url.pathname}`;
  const done = (promise: Promise<void>) =>
    promise.catch(() => {
      if (!res.headersSent) oauthError(res, 500, 'server_error', 'unexpected error');
    });
  switch (route) {
    case 'GET /.well-known/oauth-authorization-server':
    case 'GET /.well-known/openid-configuration':
      return json(res, 200, metadata, { 'cache-control': 'max-age=3600' });
    case 'GET /jwks':
      return json(res, 200, jwks, { 'cache-control': 'max-age=3600' });
    case 'GET /authorize':
      return authorize(url, res);
    case 'POST /token':
      return void done(token(req, res));
    case 'GET /userinfo':
      return userinfo(req, res);
    case 'POST /revoke':
      return void done(revoke(req, res));
    case 'GET /stats':
      return json(res, 200, { ...stats, pendingCodes: codes.size });
    default:
      res.writeHead(404).end();
  }
});

// Expired codes are dropped once a minute (they are refused on use anyway).
setInterval(() => {
  const now = Date.now();
  for (const [code, pending] of codes) if (pending.expiresAt < now) codes.delete(code);
}, 60_000).unref();

server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => announceReady(port));
exitWithRunner(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);
