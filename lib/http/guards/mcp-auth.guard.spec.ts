import { jest } from '@jest/globals';
import { Controller, HttpException, Logger, type ExecutionContext, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { McpAccessToken } from '../../core/access-token.js';
import { InvalidTokenError, VerifierUnavailableError } from '../../core/errors/token.errors.js';
import { resolveMcpAuthOptions } from '../../core/options/resolve-options.js';
import type { ResolvedMcpAuthOptions } from '../../core/options/resolved-options.js';
import type { McpTokenVerifier } from '../../core/token-verifier.js';
import { MCP_ACCESS_TOKEN_PROPERTY } from '../../mcp-auth.constants.js';
import { McpProtected } from '../decorators/mcp-protected.decorator.js';
import { McpPublic } from '../decorators/mcp-public.decorator.js';
import { McpAuthGuard } from './mcp-auth.guard.js';

/** Never called here: the verifier option only has to pass validation. */
class UnusedVerifier {
  verify(): never {
    throw new Error('not used');
  }
}

const RESOURCE = 'https://mcp.example.com/mcp';
const METADATA = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';
const GOOD = 'good-token';

@McpProtected({ scopes: ['notes:read'] })
@Controller('notes')
class NotesController {
  @McpProtected({ scopes: ['notes:write', 'notes:read'] })
  write() {}

  read() {}

  @McpPublic()
  health() {}
}

@McpPublic()
@Controller('open')
class OpenController {
  anything() {}
}

@Controller('plain')
class PlainController {
  @McpProtected()
  guarded() {}
}

interface FakeResponse {
  readonly headers: Record<string, string>;
  setHeader(name: string, value: string): void;
}

function fakeResponse(): FakeResponse {
  const headers: Record<string, string> = {};
  return { headers, setHeader: (name, value) => void (headers[name.toLowerCase()] = value) };
}

/** An ExecutionContext for one handler of one class (nestjs/throttler `contextMockFactory`). */
function contextMockFactory(
  type: 'http' | 'rpc' | 'ws',
  classRef: Type,
  handler: string,
  http: { request: object; response: FakeResponse },
): ExecutionContext {
  return {
    getType: () => type,
    getClass: () => classRef,
    getHandler: () => (classRef.prototype as Record<string, () => void>)[handler],
    getArgs: () => [http.request, http.response],
    getArgByIndex: (index: number) => [http.request, http.response][index],
    switchToHttp: () => ({
      getRequest: () => http.request,
      getResponse: () => http.response,
      getNext: () => undefined,
    }),
    switchToRpc: () => {
      throw new Error('not an rpc context');
    },
    switchToWs: () => {
      throw new Error('not a ws context');
    },
  } as unknown as ExecutionContext;
}

function accessToken(scopes: string[]): McpAccessToken {
  return { token: GOOD, sub: 'alice', clientId: 'client', scopes, expiresAt: 2_000_000_000, claims: {} };
}

describe('McpAuthGuard', () => {
  let options: ResolvedMcpAuthOptions;
  let verify: jest.Mock<McpTokenVerifier['verify']>;
  let guard: McpAuthGuard;
  let request: { headers: Record<string, string | undefined>; [key: string]: unknown };
  let response: FakeResponse;

  function configure(extra: Record<string, unknown> = {}): void {
    options = resolveMcpAuthOptions(
      {
        resourceUrl: RESOURCE,
        authorizationServers: ['https://auth.example.com'],
        scopesSupported: ['notes:read', 'notes:write', 'profile', 'offline_access'],
        verifier: { type: 'custom', useClass: UnusedVerifier },
        ...extra,
      } as never,
      {},
    );
    guard = new McpAuthGuard(new Reflector(), options, { verify } as McpTokenVerifier);
  }

  function context(classRef: Type, handler: string, type: 'http' | 'rpc' | 'ws' = 'http'): ExecutionContext {
    return contextMockFactory(type, classRef, handler, { request, response });
  }

  async function rejection(ctx: ExecutionContext): Promise<HttpException> {
    const error = await guard.canActivate(ctx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpException);
    return error as HttpException;
  }

  beforeEach(() => {
    verify = jest.fn<McpTokenVerifier['verify']>(async (token) => {
      if (token === GOOD) return accessToken(['notes:read', 'notes:write', 'profile']);
      throw new InvalidTokenError('The access token is invalid', 'signature');
    });
    request = { headers: { authorization: `Bearer ${GOOD}` } };
    response = fakeResponse();
    configure();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('lets a valid token with the scopes through and stores it on the request', async () => {
    await expect(guard.canActivate(context(NotesController, 'write'))).resolves.toBe(true);
    expect(verify).toHaveBeenCalledWith(GOOD);
    expect(request[MCP_ACCESS_TOKEN_PROPERTY]).toEqual(accessToken(['notes:read', 'notes:write', 'profile']));
    expect(response.headers).toEqual({});
  });

  describe('short-circuits', () => {
    it.each([
      ['a handler', NotesController, 'health'],
      ['a class', OpenController, 'anything'],
    ])('lets @McpPublic() on %s through without a token or a verification', async (_name, classRef, handler) => {
      request.headers = {};
      await expect(guard.canActivate(context(classRef, handler))).resolves.toBe(true);
      expect(verify).not.toHaveBeenCalled();
    });

    it.each(['rpc', 'ws'] as const)('lets a %s context through', async (type) => {
      request.headers = {};
      await expect(guard.canActivate(context(NotesController, 'write', type))).resolves.toBe(true);
      expect(verify).not.toHaveBeenCalled();
    });

    it('does not verify again a token already on the request, but still checks its scopes', async () => {
      request[MCP_ACCESS_TOKEN_PROPERTY] = accessToken(['notes:read', 'notes:write']);
      request.headers = {};
      await expect(guard.canActivate(context(NotesController, 'write'))).resolves.toBe(true);
      request[MCP_ACCESS_TOKEN_PROPERTY] = accessToken(['notes:read']);
      expect((await rejection(context(NotesController, 'write'))).getStatus()).toBe(403);
      expect(verify).not.toHaveBeenCalled();
    });
  });

  describe('required scopes', () => {
    it('merges module, class and handler scopes without duplicates', () => {
      configure({ requiredScopes: ['profile', 'notes:read'] });
      expect(guard.requiredScopes(context(NotesController, 'write'))).toEqual(['profile', 'notes:read', 'notes:write']);
      expect(guard.requiredScopes(context(NotesController, 'read'))).toEqual(['profile', 'notes:read']);
    });

    it('is empty for @McpProtected() without scopes and no module scopes', () => {
      expect(guard.requiredScopes(context(PlainController, 'guarded'))).toEqual([]);
    });

    it('requires the module scopes even on a handler that declares none', async () => {
      configure({ requiredScopes: ['admin'] });
      const error = await rejection(context(PlainController, 'guarded'));
      expect(error.getStatus()).toBe(403);
    });

    it('accepts scopes implied by a granted scope', async () => {
      configure({ impliedScopes: { 'notes:admin': ['notes:read', 'notes:write'] } });
      verify.mockResolvedValue(accessToken(['notes:admin']));
      await expect(guard.canActivate(context(NotesController, 'write'))).resolves.toBe(true);
    });
  });

  describe('failures', () => {
    it('answers 401 without an error code and with a challenge when no token is sent (T-01)', async () => {
      request.headers = {};
      const error = await rejection(context(NotesController, 'write'));
      expect(error.getStatus()).toBe(401);
      expect(error.getResponse()).toEqual({
        error_description: 'Authorization required: send an OAuth access token as a Bearer token',
      });
      expect(response.headers).toEqual({
        'cache-control': 'no-store',
        'www-authenticate': `Bearer resource_metadata="${METADATA}", scope="notes:read notes:write"`,
      });
      expect(verify).not.toHaveBeenCalled();
    });

    it('answers 401 without an error code for another scheme (T-04)', async () => {
      request.headers = { authorization: 'Basic dXNlcjpwYXNz' };
      const error = await rejection(context(NotesController, 'read'));
      expect(error.getStatus()).toBe(401);
      expect(response.headers['www-authenticate']).not.toContain('error=');
    });

    it('answers 401 invalid_token for a malformed header without calling the verifier (T-02)', async () => {
      request.headers = { authorization: `Bearer ${GOOD} extra` };
      const error = await rejection(context(NotesController, 'read'));
      expect(error.getStatus()).toBe(401);
      expect(error.getResponse()).toEqual({
        error: 'invalid_token',
        error_description: 'The Authorization header is malformed',
      });
      expect(verify).not.toHaveBeenCalled();
    });

    it('answers 401 invalid_token when the verifier refuses the token', async () => {
      request.headers = { authorization: 'Bearer forged' };
      const error = await rejection(context(NotesController, 'read'));
      expect(error.getStatus()).toBe(401);
      expect(error.getResponse()).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid' });
      expect(response.headers).toEqual({
        'cache-control': 'no-store',
        'www-authenticate':
          `Bearer error="invalid_token", error_description="The access token is invalid", ` +
          `resource_metadata="${METADATA}", scope="notes:read"`,
      });
      expect(request[MCP_ACCESS_TOKEN_PROPERTY]).toBeUndefined();
    });

    it('answers 403 insufficient_scope naming every required scope (V-25)', async () => {
      verify.mockResolvedValue(accessToken(['notes:read', 'profile', 'unadvertised']));
      const error = await rejection(context(NotesController, 'write'));
      expect(error.getStatus()).toBe(403);
      expect(error.getResponse()).toEqual({
        error: 'insufficient_scope',
        error_description: 'The operation requires the scopes: notes:read notes:write',
      });
      expect(response.headers).toEqual({
        'cache-control': 'no-store',
        'www-authenticate':
          'Bearer error="insufficient_scope", ' +
          'error_description="The operation requires the scopes: notes:read notes:write", ' +
          `resource_metadata="${METADATA}", scope="notes:read notes:write profile"`,
      });
      expect(request[MCP_ACCESS_TOKEN_PROPERTY]).toBeDefined();
    });

    it.each(['mcp:writer', 'notes:write_x', 'notes:read\tnotes:write'])(
      'answers 403 for the near-miss granted scope %j (V-26)',
      async (granted) => {
        verify.mockResolvedValue(accessToken(['notes:read', granted]));
        expect((await rejection(context(NotesController, 'write'))).getStatus()).toBe(403);
      },
    );

    it('answers 503 with Retry-After and no challenge when the verifier cannot judge the token (P-1)', async () => {
      verify.mockRejectedValue(new VerifierUnavailableError('JWKS endpoint unreachable', undefined, 7));
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const error = await rejection(context(NotesController, 'read'));
      expect(error.getStatus()).toBe(503);
      expect(error.getResponse()).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'JWKS endpoint unreachable',
      });
      expect(response.headers).toEqual({ 'cache-control': 'no-store', 'retry-after': '7' });
      expect(warn).toHaveBeenCalled();
    });

    it('answers 503, never 500, when the verifier throws something unexpected (TR-07)', async () => {
      const cause = new TypeError('Cannot read properties of undefined');
      verify.mockRejectedValue(cause);
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const error = await rejection(context(NotesController, 'read'));
      expect(error.getStatus()).toBe(503);
      expect(error.getResponse()).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'The access token cannot be verified right now',
      });
      expect(response.headers).toEqual({ 'cache-control': 'no-store', 'retry-after': '5' });
      expect((error.cause as Error).cause).toBe(cause);
      expect(logged).toHaveBeenCalledTimes(1);
    });

    it('never puts the presented token in the answer (I-3)', async () => {
      request.headers = { authorization: 'Bearer forged-secret-value' };
      const error = await rejection(context(NotesController, 'read'));
      expect(JSON.stringify(error.getResponse())).not.toContain('forged-secret-value');
      expect(JSON.stringify(response.headers)).not.toContain('forged-secret-value');
    });

    it('omits resource_metadata when no authorization server is configured', async () => {
      configure({ authorizationServers: undefined });
      request.headers = {};
      await rejection(context(NotesController, 'read'));
      expect(response.headers['www-authenticate']).toBe('Bearer scope="notes:read"');
    });
  });
});
