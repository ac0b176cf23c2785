/**
 * The MCP SDK v2 recommended stack, protected: `createMcpHandler` (a new `McpServer` per request
 * from the factory, as the SDK documents) wrapped with `toNodeHandler`, behind `requireBearerAuth`
 * from `@modelcontextprotocol/express` on Express 5 (`createMcpExpressApp`), with a jose verifier
 * doing the same checks as ours: RS256 signature against a remote JWKS, issuer, audience = this
 * server's /mcp URL, `exp`, and the required scope.
 */
import { createMcpExpressApp, requireBearerAuth } from '@modelcontextprotocol/express';
import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  createMcpHandler,
  fromJsonSchema,
  getOAuthProtectedResourceMetadataUrl,
  McpServer,
  OAuthError,
  OAuthErrorCode,
  type AuthInfo,
  type OAuthTokenVerifier,
} from '@modelcontextprotocol/server';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { BENCH_SCOPE, ECHO_INPUT_SCHEMA } from '../bench.constants.js';
import { announceReady, exitWithRunner, readServerEnv } from './server-env.js';

const env = readServerEnv();
const jwks = createRemoteJWKSet(new URL(env.jwksUri));

const verifier: OAuthTokenVerifier = {
  async verifyAccessToken(token: string): Promise<AuthInfo> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: env.issuer,
        audience: env.resourceUrl,
        algorithms: ['RS256'],
        requiredClaims: ['exp', 'sub'],
      }));
    } catch {
      throw new OAuthError(OAuthErrorCode.InvalidToken, 'Invalid access token');
    }
    const claims = payload as Record<string, unknown>;
    return {
      token,
      clientId: typeof claims.client_id === 'string' ? claims.client_id : (payload.sub as string),
      scopes: typeof claims.scope === 'string' ? claims.scope.split(' ') : [],
      expiresAt: payload.exp,
      resource: new URL(env.resourceUrl),
    };
  },
};

// Compiled once, shared by the per-request servers (the cheapest correct way to use the factory).
const echoInput = fromJsonSchema({ ...ECHO_INPUT_SCHEMA } as never);

const handler = toNodeHandler(
  createMcpHandler(() => {
    const server = new McpServer({ name: 'bench-sdk', version: '1.0.0' });
    server.registerTool(
      'echo',
      { description: 'Echoes the text with the caller client id', inputSchema: echoInput },
      async (args, context) => ({
        content: [{ type: 'text', text: `${(args as { text: string }).text}:${context.http?.authInfo?.clientId}` }],
      }),
    );
    return server;
  }),
);

const app = createMcpExpressApp({ host: '127.0.0.1' });
app.post(
  '/mcp',
  requireBearerAuth({
    verifier,
    requiredScopes: [BENCH_SCOPE],
    expectedResource: new URL(env.resourceUrl),
    resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(new URL(env.resourceUrl)),
  }),
  (req, res) => handler(req, res, req.body),
);

const server = app.listen(env.port, '127.0.0.1', () => announceReady(env.port));
exitWithRunner(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);
