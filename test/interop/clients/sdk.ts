import { readFileSync } from 'node:fs';
import { connectV1, connectV2 } from '../../helpers/clients.js';
import { OAuthMcpClient, type SdkVersion } from '../../helpers/oauth-clients.js';
import type { InteropLevel, LevelTarget } from '../levels.js';
import type { InteropCheck } from '../matrix.js';
import { signInPolicy } from '../support/user-agent.js';
import {
  assertIdentity,
  assertListed,
  assertStepUpAnswer,
  assertSignInFlow,
  assertSteppedUp,
  stepUpNotApplicable,
  stepUpOf,
} from './checks.js';

const PACKAGES: Record<SdkVersion, string> = { v1: '@modelcontextprotocol/sdk', v2: '@modelcontextprotocol/client' };

/** The installed (lockfile) version of an SDK client package. */
export function sdkVersion(version: SdkVersion): string {
  const manifest = new URL(`../../../node_modules/${PACKAGES[version]}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** The minimal client surface the checks use (SDK v1 and v2 agree on it). */
interface ToolClient {
  listTools(): Promise<{ tools: Array<{ name: string }> }>;
  callTool(request: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * The official SDK clients, in-process: with a static bearer token where the level hands one out,
 * else their own OAuth flow (401 → metadata discovery → DCR → authorize with PKCE and `resource`
 * → token) with {@link OAuthMcpClient} playing the user in a headless browser.
 */
export function sdkChecks(version: SdkVersion): InteropCheck[] {
  const client = `SDK ${version} (${PACKAGES[version]} ${sdkVersion(version)})`;
  return [
    {
      id: `sdk-${version}/connect`,
      client,
      title: 'sign-in, tools/list, tools/call',
      async run({ target, level }) {
        if (level.clientAuth === 'bearer') {
          const token = await target.token();
          const sdk = (
            version === 'v1' ? await connectV1(target.mcpUrl, token) : await connectV2(target.mcpUrl, token)
          ) as ToolClient;
          try {
            assertListed(
              client,
              level,
              (await sdk.listTools()).tools.map((t) => t.name),
            );
            const text = assertIdentity(
              client,
              level,
              await sdk.callTool({ name: level.profile.identity, arguments: {} }),
            );
            return { summary: `static bearer token; ${text}` };
          } finally {
            await sdk.close();
          }
        }
        const pages: string[] = [];
        const sdk = oauthClient(version, level, target, pages);
        try {
          await sdk.connect();
          assertListed(client, level, await sdk.listTools());
          const text = assertIdentity(client, level, await sdk.callTool(level.profile.identity));
          assertSignInFlow(client, level, pages);
          return { summary: `OAuth (${describeAuthorization(sdk)}; pages: ${pages.join(' → ')}); ${text}` };
        } finally {
          await sdk.close();
        }
      },
    },
    {
      id: `sdk-${version}/step-up`,
      client,
      title: 'step-up: 403 insufficient_scope → re-authorize → retry',
      notApplicable: stepUpNotApplicable,
      async run({ target, level }) {
        const stepUp = stepUpOf(level);
        const sdk = oauthClient(version, level, target, []);
        try {
          await sdk.connect();
          const text = assertStepUpAnswer(client, level, await sdk.callTool(stepUp.tool, { ...stepUp.arguments }));
          const scopes = sdk.provider.authorizationUrls.map((url) => url.searchParams.get('scope'));
          const scope = assertSteppedUp(client, level, scopes);
          return { summary: `re-authorized with "${scope}"; ${text}` };
        } finally {
          await sdk.close();
        }
      },
    },
  ];
}

/** An SDK client whose stand-in user signs in as the level's user, recording the pages. */
function oauthClient(version: SdkVersion, level: InteropLevel, target: LevelTarget, pages: string[]): OAuthMcpClient {
  const user = level.user ?? { username: 'demo', password: 'demo' };
  return new OAuthMcpClient(version, target.mcpUrl, {
    policy: signInPolicy(user, new URL(target.mcpUrl).origin, pages),
  });
}

function describeAuthorization(sdk: OAuthMcpClient): string {
  const url = sdk.provider.authorizationUrls[0];
  if (!url) return 'no authorization';
  return `scope "${url.searchParams.get('scope')}", resource ${url.searchParams.get('resource')}`;
}
