import { resolveMcpAuthOptions } from '../../core/options/resolve-options.js';
import { buildProtectedResourceMetadata } from './protected-resource-metadata.js';

/** Never called here: the verifier option only has to pass validation. */
class UnusedVerifier {
  verify(): never {
    throw new Error('not used');
  }
}

function resolved(extra: Record<string, unknown>) {
  return resolveMcpAuthOptions(
    {
      resourceUrl: 'https://mcp.example.com/mcp',
      verifier: { type: 'custom', useClass: UnusedVerifier },
      ...extra,
    } as never,
    {},
  );
}

describe('buildProtectedResourceMetadata (RFC 9728 §2)', () => {
  it('describes the resource with every configured field, in a stable order', () => {
    const document = buildProtectedResourceMetadata(
      resolved({
        authorizationServers: ['https://auth.example.com/tenant/'],
        scopesSupported: ['notes:read', 'notes:write'],
        resourceName: 'Notes',
        resourceDocumentation: 'https://docs.example.com/notes',
      }),
    );
    expect(JSON.stringify(document)).toBe(
      JSON.stringify({
        resource: 'https://mcp.example.com/mcp',
        authorization_servers: ['https://auth.example.com/tenant/'],
        scopes_supported: ['notes:read', 'notes:write'],
        bearer_methods_supported: ['header'],
        resource_name: 'Notes',
        resource_documentation: 'https://docs.example.com/notes',
      }),
    );
  });

  it('omits the optional fields that are not configured (M-01)', () => {
    expect(buildProtectedResourceMetadata(resolved({ authorizationServers: ['https://auth.example.com'] }))).toEqual({
      resource: 'https://mcp.example.com/mcp',
      authorization_servers: ['https://auth.example.com'],
      bearer_methods_supported: ['header'],
    });
  });

  it('copies resource and issuers byte for byte, trailing slashes included (M-01)', () => {
    const document = buildProtectedResourceMetadata(
      resolved({ resourceUrl: 'https://mcp.example.com/mcp/', authorizationServers: ['https://auth.example.com/'] }),
    );
    expect(document.resource).toBe('https://mcp.example.com/mcp/');
    expect(document.authorization_servers).toEqual(['https://auth.example.com/']);
  });

  it('advertises only the header bearer method (T-06, T-07)', () => {
    expect(buildProtectedResourceMetadata(resolved({})).bearer_methods_supported).toEqual(['header']);
  });

  it('keeps an empty scopes_supported list when one is configured', () => {
    expect(buildProtectedResourceMetadata(resolved({ scopesSupported: [] })).scopes_supported).toEqual([]);
  });

  it('returns copies, so changing the document cannot change the options', () => {
    const options = resolved({ authorizationServers: ['https://auth.example.com'], scopesSupported: ['a'] });
    const document = buildProtectedResourceMetadata(options);
    (document.authorization_servers as string[]).push('https://evil.example');
    (document.scopes_supported as string[]).push('admin');
    expect(options.authorizationServers).toEqual(['https://auth.example.com']);
    expect(options.scopesSupported).toEqual(['a']);
  });
});
