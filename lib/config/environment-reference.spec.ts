import { renderEnvironmentReference } from './environment-reference.js';
import { providerEnvironmentSchemas } from './environment-registry.js';

describe('renderEnvironmentReference', () => {
  const reference = renderEnvironmentReference();
  const headings = reference.split('\n').filter((line) => line.startsWith('### '));
  const section = (heading: string) => {
    const start = reference.indexOf(`${heading}\n`);
    const end = reference.indexOf('\n### ', start + 1);
    return reference.slice(start, end < 0 ? undefined : end);
  };

  it('documents the authorization-server variables once, before the first level-3 provider', () => {
    const group = '### Authorization server (levels 3 and 4)';
    expect(headings.filter((heading) => heading === group)).toHaveLength(1);
    expect(headings.indexOf(group)).toBe(headings.indexOf('### `github` — GitHub OAuth proxy (level 3)') - 1);
    expect(section(group)).toContain('| `MCP_AUTH_SIGNING_KEYS`');
    expect(section(group)).toContain('| `MCP_AUTH_DCR_RATE_LIMIT`');
  });

  it("lists only each provider's own variables in its table, and links the shared ones", () => {
    const github = section('### `github` — GitHub OAuth proxy (level 3)');
    expect(github).toContain('| `MCP_AUTH_GITHUB_CLIENT_ID`');
    expect(github).toMatch(/\| `MCP_AUTH_GITHUB_CLIENT_SECRET` +\| string +\| yes /);
    expect(github).not.toContain('`MCP_AUTH_SIGNING_KEYS`');
    expect(github).toContain(
      'Also reads the variables of [Authorization server (levels 3 and 4)](#authorization-server-levels-3-and-4).',
    );
    expect(section('### `server` — Authorization server with its own sign-in (level 4)')).toContain(
      '| `MCP_AUTH_SERVER_USERS`',
    );
  });

  it('names every provider and the prefixes it reads in the MCP_AUTH_PROVIDER table', () => {
    const table = section('### Selecting the provider: `MCP_AUTH_PROVIDER`');
    for (const provider of providerEnvironmentSchemas().keys()) expect(table).toContain(`| \`${provider}\``);
    expect(table).toMatch(
      /\| `auth0-proxy` +\| Auth0 OAuth proxy \(level 3\) +\| `MCP_AUTH_AUTH0_PROXY_\*`, `MCP_AUTH_\*` \|/,
    );
    expect(table).toMatch(/\| `jwt` +\| JWT access tokens \(level 1\) +\| `MCP_AUTH_JWT_\*` +\|/);
  });
});
