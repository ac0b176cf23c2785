import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';

const info = { name: 'nestjs-mcp-auth-tests', version: '1.0.0' };

/** Official SDK v1 client with a static bearer token (as most deployed clients still are). */
export async function connectV1(mcpUrl: string, token?: string): Promise<ClientV1> {
  const client = new ClientV1(info);
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  await client.connect(new TransportV1(new URL(mcpUrl), { requestInit: { headers } }));
  return client;
}

/** Official SDK v2 client with a static bearer token provider. */
export async function connectV2(
  mcpUrl: string,
  token?: string,
  options: ConstructorParameters<typeof ClientV2>[1] = {},
): Promise<ClientV2> {
  const client = new ClientV2(info, options);
  const transport = new TransportV2(new URL(mcpUrl), token ? { authProvider: { token: async () => token } } : {});
  await client.connect(transport);
  return client;
}

/** POSTs a raw JSON-RPC body to the MCP endpoint. */
export function postMcp(mcpUrl: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export const toolCall = (name: string, args: Record<string, unknown> = {}, id: number | string = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});

/** Parses `WWW-Authenticate: Bearer k="v", …` into its parameters (RFC 7235 quoted strings). */
export function parseBearerChallenge(header: string | null): Record<string, string> {
  if (!header?.startsWith('Bearer')) throw new Error(`not a Bearer challenge: ${header}`);
  const params: Record<string, string> = {};
  const pattern = /([a-z_]+)="((?:[^"\\]|\\.)*)"\s*(?:,\s*|$)/gy;
  const rest = header.slice('Bearer'.length).trim();
  pattern.lastIndex = 0;
  let consumed = 0;
  for (let match = pattern.exec(rest); match; match = pattern.exec(rest)) {
    params[match[1]] = match[2].replace(/\\(.)/g, '$1');
    consumed = pattern.lastIndex;
  }
  if (consumed !== rest.length) throw new Error(`unparsable challenge: ${header}`);
  return params;
}
