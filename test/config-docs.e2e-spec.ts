import { readFileSync } from 'node:fs';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { hashPassword } from 'nestjs-mcp-auth';
import {
  ENV_REFERENCE_END,
  ENV_REFERENCE_START,
  renderEnvironmentReference,
  replaceEnvironmentReference,
} from '../lib/config/environment-reference.js';
import { environmentVariableNames } from '../lib/config/environment-registry.js';
import { loadMcpAuthOptionsFromEnvironment } from '../lib/config/load-environment.js';

const DOC = new URL('../docs/configuration.md', import.meta.url);

describe('docs/configuration.md', () => {
  const document = readFileSync(DOC, 'utf8');

  it('holds the reference generated from the schemas (run "npm run docs:config" after changing them)', () => {
    expect(replaceEnvironmentReference(document, renderEnvironmentReference())).toBe(document);
  });

  it('documents every variable the module reads', () => {
    const generated = document.slice(document.indexOf(ENV_REFERENCE_START), document.indexOf(ENV_REFERENCE_END));
    for (const name of environmentVariableNames()) expect(generated).toContain(`\`${name}\``);
  });

  it('replaces only what lies between the markers', () => {
    const replaced = replaceEnvironmentReference(
      `intro\n${ENV_REFERENCE_START}\nold\n${ENV_REFERENCE_END}\noutro\n`,
      'new\n',
    );
    expect(replaced).toBe(`intro\n${ENV_REFERENCE_START}\n\nnew\n\n${ENV_REFERENCE_END}\noutro\n`);
    expect(() => replaceEnvironmentReference('no markers', 'x')).toThrow(/no <!-- env-reference:start -->/);
  });
});

/** The `.env` examples of the page: `sh` blocks whose first line is `# .env — …`. */
function dotenvExamples(markdown: string): Array<{ title: string; env: Record<string, string> }> {
  const blocks = [...markdown.matchAll(/```sh\n(# \.env — [^\n]*)\n([\s\S]*?)```/g)];
  return blocks.map(([, title, body]) => {
    const env: Record<string, string> = {};
    for (const line of body.split('\n')) {
      const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
      if (match) env[match[1]] = match[2].replace(/^'(.*)'$/, '$1');
    }
    return { title, env };
  });
}

describe('the .env examples of docs/configuration.md', () => {
  const examples = dotenvExamples(readFileSync(DOC, 'utf8'));

  it('cover every level', () => {
    expect(examples.map(({ env }) => env.MCP_AUTH_PROVIDER)).toEqual(['jwt', 'authkit', 'github', 'server']);
  });

  it.each(examples.map((example) => [example.title, example.env] as const))(
    '%s loads in production once its elided values (…) are real',
    async (_title, documented) => {
      const { privateKey } = await generateKeyPair('ES256', { extractable: true });
      const env: Record<string, string> = { ...documented, MCP_AUTH_PRODUCTION: 'true' };
      // The documented shape, with the key material and hashes a user would paste.
      if (env.MCP_AUTH_SIGNING_KEYS?.startsWith('-----BEGIN')) {
        expect(env.MCP_AUTH_SIGNING_KEYS).toMatch(/^-----BEGIN PRIVATE KEY-----\\n.*\\n-----END PRIVATE KEY-----$/);
        env.MCP_AUTH_SIGNING_KEYS = (await exportPKCS8(privateKey)).trim().replace(/\n/g, '\\n');
      } else if (env.MCP_AUTH_SIGNING_KEYS) {
        const shape = JSON.parse(env.MCP_AUTH_SIGNING_KEYS) as Record<string, string>;
        env.MCP_AUTH_SIGNING_KEYS = JSON.stringify({ ...(await exportJWK(privateKey)), kid: shape.kid });
      }
      if (env.MCP_AUTH_SERVER_USERS) {
        const users = JSON.parse(env.MCP_AUTH_SERVER_USERS) as Array<Record<string, unknown>>;
        expect(users[0].password).toMatch(/^scrypt\$131072\$8\$1\$/);
        const password = await hashPassword('documented', { N: 2 ** 10 });
        env.MCP_AUTH_SERVER_USERS = JSON.stringify(users.map((user) => ({ ...user, password })));
      }
      expect(JSON.stringify(env)).not.toContain('…');
      expect(() => loadMcpAuthOptionsFromEnvironment(env, { requireComplete: true })).not.toThrow();
    },
  );
});
