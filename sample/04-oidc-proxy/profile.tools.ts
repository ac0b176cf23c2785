import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { CurrentToken, McpProtected, McpTool, type McpAccessToken } from 'nestjs-mcp-auth';

/** DI token: the upstream identity provider's issuer (its metadata names the userinfo endpoint). */
export const UPSTREAM_ISSUER = Symbol('sample-04:upstream-issuer');

/**
 * Tools of sample 04. `whoami` reads only the proxy's own token; `upstream_userinfo` calls the
 * identity provider's userinfo endpoint with the user's upstream access token, which the proxy
 * keeps sealed in its store and hands to tool code only (MCP clients never see it).
 */
@Injectable()
export class ProfileTools {
  private userinfoEndpoint: Promise<string> | undefined;

  constructor(@Inject(UPSTREAM_ISSUER) private readonly issuer: string) {}

  @McpTool({ name: 'whoami', description: "Who the proxy's access token says you are (any valid token)" })
  whoami(@CurrentToken() token: McpAccessToken): string {
    const name = typeof token.claims.name === 'string' ? ` (${token.claims.name})` : '';
    return `You are ${token.sub}${name}, client ${token.clientId}, with scopes: ${token.scopes.join(' ') || '(none)'}`;
  }

  @McpProtected({ scopes: ['profile'] })
  @McpTool({
    name: 'upstream_userinfo',
    description: "Calls the identity provider's userinfo endpoint as you, with your upstream token (needs profile)",
    annotations: { readOnlyHint: true, openWorldHint: true },
  })
  async userinfo(@CurrentToken() token: McpAccessToken): Promise<Record<string, unknown>> {
    if (!token.upstream) throw new ServiceUnavailableException('No upstream token: is the proxy level configured?');
    const response = await fetch(await this.userinfoUrl(), {
      headers: { authorization: `Bearer ${await token.upstream.accessToken()}`, accept: 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) {
      throw new ServiceUnavailableException(
        `The identity provider answered ${response.status} to the userinfo request`,
      );
    }
    return (await response.json()) as Record<string, unknown>;
  }

  /** The userinfo endpoint from the provider's OpenID Connect discovery document (read once). */
  private userinfoUrl(): Promise<string> {
    this.userinfoEndpoint ??= (async () => {
      const url = `${this.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      const metadata = response.ok ? ((await response.json()) as { userinfo_endpoint?: unknown }) : {};
      if (typeof metadata.userinfo_endpoint !== 'string') {
        throw new ServiceUnavailableException('The identity provider advertises no userinfo endpoint');
      }
      return metadata.userinfo_endpoint;
    })().catch((error: unknown) => {
      this.userinfoEndpoint = undefined;
      throw error;
    });
    return this.userinfoEndpoint;
  }
}
