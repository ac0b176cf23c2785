import { BadGatewayException, Inject, Injectable } from '@nestjs/common';
import { CurrentToken, McpProtected, McpTool, ToolArgs, type McpAccessToken } from 'nestjs-mcp-auth';

/** DI token: GitHub's REST API base URL (`https://api.github.com`, or GHES `https://HOST/api/v3`). */
export const GITHUB_API_URL = Symbol('sample-03:github-api-url');

/** A repository as the `list_repositories` tool returns it. */
export interface RepositorySummary {
  full_name: string;
  private: boolean;
  description: string | null;
  html_url: string;
  updated_at: string;
}

/**
 * Tools of sample 03. `whoami` reads only the proxy's own token; the two others call GitHub's REST
 * API as the signed-in user with the user's GitHub token, which the proxy keeps sealed in its
 * store and hands to tool code only, through `@CurrentToken()`'s `upstream` accessor. MCP clients
 * never see that token, and their own token is never sent to GitHub.
 */
@Injectable()
export class GitHubTools {
  constructor(@Inject(GITHUB_API_URL) private readonly apiUrl: string) {}

  @McpTool({ name: 'whoami', description: "Who the proxy's access token says you are (any valid token)" })
  whoami(@CurrentToken() token: McpAccessToken): string {
    const login = typeof token.claims.login === 'string' ? token.claims.login : 'unknown';
    return `You are GitHub user ${login} (id ${token.sub}), with scopes: ${token.scopes.join(' ') || '(none)'}`;
  }

  @McpProtected({ scopes: ['read:user'] })
  @McpTool({
    name: 'github_profile',
    description: 'Your GitHub profile, read from the GitHub API as you (needs read:user)',
    annotations: { readOnlyHint: true, openWorldHint: true },
  })
  async profile(@CurrentToken() token: McpAccessToken): Promise<Record<string, unknown>> {
    const user = (await this.get(token, '/user')) as Record<string, unknown>;
    const fields = ['login', 'id', 'name', 'company', 'location', 'public_repos', 'followers', 'html_url'];
    return Object.fromEntries(fields.filter((field) => field in user).map((field) => [field, user[field]]));
  }

  @McpProtected({ scopes: ['read:user'] })
  @McpTool({
    name: 'list_repositories',
    description: 'Your most recently updated GitHub repositories, read from the GitHub API as you (needs read:user)',
    inputSchema: {
      type: 'object',
      properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 } },
    },
    annotations: { readOnlyHint: true, openWorldHint: true },
  })
  async repositories(
    @ToolArgs('limit') limit: number | undefined,
    @CurrentToken() token: McpAccessToken,
  ): Promise<{ repositories: RepositorySummary[] }> {
    const query = new URLSearchParams({ sort: 'updated', per_page: String(limit ?? 10) });
    const repositories = (await this.get(token, `/user/repos?${query}`)) as RepositorySummary[];
    return {
      repositories: repositories.map(({ full_name, private: isPrivate, description, html_url, updated_at }) => ({
        full_name,
        private: isPrivate,
        description,
        html_url,
        updated_at,
      })),
    };
  }

  /** `GET {apiUrl}{path}` with the user's GitHub token, as GitHub's REST API documentation asks. */
  private async get(token: McpAccessToken, path: string): Promise<unknown> {
    if (!token.upstream) throw new BadGatewayException('No GitHub token: is the proxy level configured?');
    const response = await fetch(`${this.apiUrl}${path}`, {
      headers: {
        authorization: `Bearer ${await token.upstream.accessToken()}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'nestjs-mcp-auth-sample-03',
      },
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status === 401) {
      throw new BadGatewayException('GitHub no longer accepts your authorization (revoked?): sign in again');
    }
    if (!response.ok) throw new BadGatewayException(`GitHub answered ${response.status} to GET ${path.split('?')[0]}`);
    return response.json();
  }
}
