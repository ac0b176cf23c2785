import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { handleInteraction } from '../../sample/shared/oidc-provider-interaction.js';
import { exportJWK, generateKeyPair } from 'jose';
import { errors, Provider, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/** A fault injected in front of one oidc-provider route (matched by path prefix). */
export interface UpstreamFault {
  /** Path prefix, e.g. `/token` or `/me`. */
  readonly path: string;
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Delay before answering (or before passing the request on when no status is set). */
  readonly delayMs?: number;
  /** Destroy the socket without answering. */
  readonly dropConnection?: boolean;
}

/** Options of {@link startOidcUpstream}. */
export interface OidcUpstreamOptions {
  /** The proxy's fixed callback, the static client's only redirect URI. */
  readonly redirectUri: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** RFC 8707 resources accepted; with any, access tokens for them are JWTs whose `aud` is the resource. */
  readonly resources?: readonly string[];
  /** Demo users, name → password. @default { alice: 'wonderland' } */
  readonly users?: Record<string, string>;
}

/** A running non-DCR OpenID Connect provider. */
export interface OidcUpstream {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly provider: Provider;
  /** Requests per path (after fault handling), for assertions. */
  readonly hits: Map<string, number>;
  /** Injects a fault; replaces an earlier one for the same path. */
  fault(fault: UpstreamFault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

/**
 * panva's oidc-provider as the upstream of the OAuth proxy, configured the way GitHub-like
 * enterprise IdPs are: dynamic client registration disabled, one pre-registered confidential
 * client (`client_secret_basic`) whose only redirect URI is the proxy's callback, PKCE required,
 * RFC 9207 `iss` on authorization responses, refresh tokens for `offline_access`, RFC 7009
 * revocation and userinfo. Login and consent are plain HTML forms that the test's
 * `HeadlessBrowser` fills in. Every port is on 127.0.0.1.
 */
export async function startOidcUpstream(options: OidcUpstreamOptions): Promise<OidcUpstream> {
  const clientId = options.clientId ?? 'mcp-proxy';
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
  const users = options.users ?? { alice: 'wonderland' };
  const resources = new Set(options.resources ?? []);
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const configuration: Configuration = {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'upstream-1', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    scopes: ['openid', 'offline_access', 'email', 'profile', 'notes:read', 'notes:write'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: resources.size > 0,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: KoaContextWithOIDC, indicator: string) => {
          if (!resources.has(indicator)) throw new errors.InvalidTarget(`unknown resource ${indicator}`);
          return {
            scope: 'notes:read notes:write',
            audience: indicator,
            accessTokenTTL: 600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, email: `${sub}@example.com`, email_verified: true, name: `User ${sub}` }),
    }),
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 120,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      RefreshToken: 86_400,
      IdToken: 600,
    },
  };
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();
  const faults = new Map<string, UpstreamFault>();
  const hits = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const fault = [...faults.values()].find((f) => path.startsWith(f.path));
    const proceed = () => {
      hits.set(path, (hits.get(path) ?? 0) + 1);
      if (path.startsWith('/interaction/')) {
        void handleInteraction(provider, path, req, res, {
          users,
          title: 'Upstream',
          loginPage: ({ action }) =>
            `<form method="post" action="${action}"><input name="username"><input name="password" type="password"><button>Sign in</button></form>`,
          consentPage: ({ confirm, abort }) =>
            `<form method="post" action="${confirm}"><button>Allow</button></form><form method="post" action="${abort}"><button>Deny</button></form>`,
          // A hostile description: the proxy must neither reflect nor render it.
          denyDescription: '<b>user</b> said "no"',
        }).catch((error: unknown) => {
          if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
          res.end(`interaction failed: ${error instanceof Error ? error.message : String(error)}`);
        });
        return;
      }
      callback(req, res);
    };
    if (!fault) return proceed();
    req.resume();
    later(fault.delayMs ?? 0, () => {
      if (fault.dropConnection) return void req.socket.destroy();
      if (fault.status === undefined) return proceed();
      if (res.destroyed) return;
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers }).end(fault.body ?? '');
    });
  });

  return {
    issuer,
    clientId,
    clientSecret,
    provider,
    hits,
    fault: (fault) => void faults.set(fault.path, fault),
    clearFaults: () => faults.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
