/** Where sample 01 listens and which tokens it accepts, from the environment. */
export interface SampleSettings {
  host: string;
  port: number;
  resourceUrl: string;
  issuer: string;
  jwksUri?: string;
  jwksFile: string;
}

/**
 * - `HOST` / `PORT`: where to listen (default 127.0.0.1:3000: loopback only unless asked, so a
 *   development server is never exposed to the network by accident);
 * - `MCP_PUBLIC_URL`: the MCP URL clients use (default http://HOST:PORT/mcp);
 * - `JWT_ISSUER`: accepted issuer (default http://127.0.0.1:PORT/dev-issuer);
 * - `JWKS_URI`: the issuer's JWKS URL, else `JWKS_FILE` (default .dev-keys/jwks.json, written by
 *   `npx nestjs-mcp-auth keys generate --out .dev-keys`).
 */
export function sampleSettings(env: NodeJS.ProcessEnv): SampleSettings {
  const host = env.HOST ?? '127.0.0.1';
  const port = Number(env.PORT ?? 3000);
  return {
    host,
    port,
    resourceUrl: env.MCP_PUBLIC_URL ?? `http://${host}:${port}/mcp`,
    issuer: env.JWT_ISSUER ?? `http://127.0.0.1:${port}/dev-issuer`,
    jwksUri: env.JWKS_URI,
    jwksFile: env.JWKS_FILE ?? '.dev-keys/jwks.json',
  };
}
