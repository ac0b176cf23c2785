/** The GitHub OAuth app the proxy signs users in with, and where GitHub lives. */
export interface GitHubAppSettings {
  clientId: string;
  clientSecret: string;
  /** Web base URL (authorization and token endpoints). */
  serverUrl: string;
  /** REST API base URL (identity, the tools' calls, revocation). */
  apiUrl: string;
}

/** Where sample 03 listens, which GitHub app it uses and where it stores state. */
export interface GitHubProxySampleSettings {
  host: string;
  port: number;
  /** The MCP endpoint URL clients type (also the audience of the proxy's tokens). */
  resourceUrl: string;
  /** The proxy's fixed callback: the "Authorization callback URL" of the GitHub OAuth app. */
  callbackUrl: string;
  github: GitHubAppSettings;
  /** `redis://…` to keep clients, grants and sealed GitHub tokens in Redis instead of memory. */
  redisUrl?: string;
}

/**
 * Reads sample 03's settings from the environment; every problem is reported at once, naming the
 * variable.
 *
 * - `GITHUB_CLIENT_ID`, `GITHUB_CLIENT_SECRET` (required): the Client ID and a client secret of
 *   your GitHub OAuth app (README: "Create the GitHub OAuth app");
 * - `GITHUB_SERVER_URL` / `GITHUB_API_URL`: GitHub Enterprise Server, e.g.
 *   `https://github.example.com` and `https://github.example.com/api/v3` (default github.com and
 *   api.github.com; with only `GITHUB_SERVER_URL` set, the API is `{GITHUB_SERVER_URL}/api/v3`);
 * - `HOST` / `PORT`: where to listen (default 127.0.0.1:3000: loopback only unless asked);
 * - `MCP_AUTH_RESOURCE_URL`: the MCP URL clients use, or `MCP_AUTH_BASE_URL` with `/mcp` appended
 *   (default http://HOST:PORT/mcp). The proxy's issuer is that URL's origin and its callback is
 *   `{origin}/oauth/callback`;
 * - `MCP_AUTH_REDIS_URL`: store in Redis (several instances, restarts) instead of memory.
 */
export function sampleSettings(env: NodeJS.ProcessEnv): GitHubProxySampleSettings {
  const problems: string[] = [];
  const value = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);
  const required = (name: string, what: string): string => {
    const found = value(name);
    if (found === undefined) problems.push(`${name}: required — ${what} (see sample/03-oauth-proxy-github/README.md)`);
    return found ?? '';
  };
  const clientId = required('GITHUB_CLIENT_ID', 'the Client ID of your GitHub OAuth app');
  const clientSecret = required('GITHUB_CLIENT_SECRET', 'a client secret of your GitHub OAuth app');

  const serverUrl = trimSlashes(value('GITHUB_SERVER_URL') ?? 'https://github.com');
  checkUrl('GITHUB_SERVER_URL', serverUrl, problems);
  const defaultApi = value('GITHUB_SERVER_URL') === undefined ? 'https://api.github.com' : `${serverUrl}/api/v3`;
  const apiUrl = trimSlashes(value('GITHUB_API_URL') ?? defaultApi);
  checkUrl('GITHUB_API_URL', apiUrl, problems);

  const host = value('HOST') ?? '127.0.0.1';
  const rawPort = value('PORT') ?? '3000';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65_535) problems.push(`PORT: must be a port number, got "${rawPort}"`);

  const explicitUrl = value('MCP_AUTH_RESOURCE_URL');
  const baseUrl = value('MCP_AUTH_BASE_URL');
  if (explicitUrl && baseUrl) problems.push('MCP_AUTH_BASE_URL: set it or MCP_AUTH_RESOURCE_URL, not both');
  const resourceUrl =
    explicitUrl ??
    (baseUrl ? `${trimSlashes(baseUrl)}/mcp` : `http://${host.includes(':') ? `[${host}]` : host}:${port}/mcp`);
  const origin = checkUrl(explicitUrl ? 'MCP_AUTH_RESOURCE_URL' : 'MCP_AUTH_BASE_URL', resourceUrl, problems);

  const redisUrl = value('MCP_AUTH_REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push('MCP_AUTH_REDIS_URL: must be a redis:// or rediss:// URL');
  }
  if (problems.length > 0) {
    throw new Error(`Sample 03 cannot start:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
  return {
    host,
    port,
    resourceUrl,
    callbackUrl: `${origin}/oauth/callback`,
    github: { clientId, clientSecret, serverUrl, apiUrl },
    ...(redisUrl ? { redisUrl } : {}),
  };
}

/** Returns the URL's origin, or reports the variable. */
function checkUrl(name: string, url: string, problems: string[]): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed.origin;
  } catch {
    // reported below
  }
  problems.push(`${name}: must be an absolute http(s) URL, got "${url}"`);
  return '';
}

function trimSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}
