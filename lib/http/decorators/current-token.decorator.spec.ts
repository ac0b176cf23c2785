import type { ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/internal';
import type { McpAccessToken } from '../../core/access-token.js';
import { MCP_ACCESS_TOKEN_PROPERTY } from '../../mcp-auth.constants.js';
import { accessTokenOf, CurrentToken } from './current-token.decorator.js';

type Factory = (field: unknown, context: ExecutionContext) => unknown;

/** The function Nest calls to resolve `@CurrentToken(field)` (see Nest's custom decorator docs). */
function resolverOf(field?: keyof McpAccessToken): { factory: Factory; data: unknown } {
  class Host {
    handler(@CurrentToken(field) _value: unknown) {}
  }
  const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, Host, 'handler') as Record<
    string,
    { factory: Factory; data: unknown }
  >;
  return Object.values(args)[0];
}

function httpContext(request: object): ExecutionContext {
  return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
}

const TOKEN: McpAccessToken = {
  token: 'raw',
  sub: 'alice',
  clientId: 'client-1',
  scopes: ['notes:read'],
  expiresAt: 2_000_000_000,
  resource: 'https://mcp.example.com/mcp',
  claims: { email: 'a@example.com' },
};

describe('@CurrentToken', () => {
  it('reads the token the guard stored on request.mcpAccessToken', () => {
    expect(MCP_ACCESS_TOKEN_PROPERTY).toBe('mcpAccessToken');
    const { factory, data } = resolverOf();
    expect(factory(data, httpContext({ mcpAccessToken: TOKEN }))).toBe(TOKEN);
  });

  it.each([
    ['sub', 'alice'],
    ['clientId', 'client-1'],
    ['scopes', ['notes:read']],
    ['expiresAt', 2_000_000_000],
    ['resource', 'https://mcp.example.com/mcp'],
    ['claims', { email: 'a@example.com' }],
  ] as const)('reads one field: %s', (field, expected) => {
    const { factory, data } = resolverOf(field);
    expect(data).toBe(field);
    expect(factory(data, httpContext({ mcpAccessToken: TOKEN }))).toEqual(expected);
  });

  it('is undefined on a request without a token (public routes), with or without a field', () => {
    expect(resolverOf().factory(undefined, httpContext({}))).toBeUndefined();
    expect(resolverOf('sub').factory('sub', httpContext({}))).toBeUndefined();
  });

  it('only reads: it never looks at the Authorization header', () => {
    const request = { headers: { authorization: 'Bearer raw' } };
    expect(resolverOf().factory(undefined, httpContext(request))).toBeUndefined();
  });
});

describe('accessTokenOf', () => {
  it('returns the stored token or undefined', () => {
    expect(accessTokenOf({ mcpAccessToken: TOKEN })).toBe(TOKEN);
    expect(accessTokenOf({})).toBeUndefined();
  });

  it('sees a token stored on the prototype of a request view', () => {
    expect(accessTokenOf(Object.create({ mcpAccessToken: TOKEN }) as object)).toBe(TOKEN);
  });
});
