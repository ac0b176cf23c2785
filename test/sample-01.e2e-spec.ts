import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createNodeCliIo } from '../lib/cli/cli-io.js';
import { runCli } from '../lib/cli/run-cli.js';
import { AppModule } from '../sample/01-jwt-resource-server/app.module.js';
import { sampleSettings } from '../sample/01-jwt-resource-server/settings.js';
import { connectV1, connectV2, postMcp, toolCall } from './helpers/clients.js';
import { freePort } from './helpers/free-port.js';

/** The README walk-through of sample 01: generate keys, start, mint a token, call the tools. */
describe('sample 01: JWT resource server', () => {
  let dir: string;
  let app: INestApplication;
  let mcpUrl: string;
  const issuer = 'http://127.0.0.1:3000/dev-issuer';

  async function cli(...argv: string[]): Promise<string> {
    let out = '';
    const io = createNodeCliIo({
      cwd: dir,
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: () => true },
    });
    expect(await runCli(argv, io)).toBe(0);
    return out.trim();
  }
  const mintToken = (scope: string) =>
    cli('token', 'mint', '--key', '.dev-keys/private-key.jwk.json', '--iss', issuer, '--aud', mcpUrl, '--scope', scope);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sample01-'));
    await cli('keys', 'generate', '--out', '.dev-keys');
    const jwks = JSON.parse(await readFile(join(dir, '.dev-keys/jwks.json'), 'utf8')) as { keys: [] };
    const port = await freePort();
    mcpUrl = `http://127.0.0.1:${port}/mcp`;
    app = await NestFactory.create(AppModule.forConfig({ resourceUrl: mcpUrl, issuer, publicKeys: jwks.keys }), {
      logger: false,
    });
    await app.listen(port, '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on loopback only unless told otherwise (TR-08)', () => {
    expect(sampleSettings({})).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      resourceUrl: 'http://127.0.0.1:3000/mcp',
    });
    expect(sampleSettings({ HOST: '0.0.0.0', MCP_PUBLIC_URL: 'https://mcp.example.com/mcp' })).toMatchObject({
      host: '0.0.0.0',
      resourceUrl: 'https://mcp.example.com/mcp',
    });
  });

  it('a CLI-minted token with notes:read lists and reads notes, but cannot add (403)', async () => {
    const client = await connectV1(mcpUrl, await mintToken('notes:read'));
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['list_notes', 'whoami']);
    expect(await client.callTool({ name: 'list_notes', arguments: {} })).toMatchObject({
      structuredContent: { notes: [] },
    });
    await expect(client.callTool({ name: 'add_note', arguments: { text: 'x' } })).rejects.toThrow(/403|insufficient/i);
    await client.close();
  });

  it('with notes:write the SDK v2 client adds a note for its user', async () => {
    const client = await connectV2(mcpUrl, await mintToken('notes:read notes:write'));
    await client.callTool({ name: 'add_note', arguments: { text: 'buy milk' } });
    expect(await client.callTool({ name: 'list_notes', arguments: {} })).toMatchObject({
      structuredContent: { notes: ['buy milk'] },
    });
    expect(await client.callTool({ name: 'whoami', arguments: {} })).toMatchObject({
      content: [{ type: 'text', text: 'You are dev-user, with scopes: notes:read notes:write' }],
    });
    await client.close();
  });

  it('rejects a token minted for another MCP server', async () => {
    const other = await cli(
      'token',
      'mint',
      '--key',
      '.dev-keys/private-key.jwk.json',
      '--iss',
      issuer,
      '--aud',
      'http://127.0.0.1:1/mcp',
    );
    const response = await postMcp(mcpUrl, toolCall('whoami'), { authorization: `Bearer ${other}` });
    expect(response.status).toBe(401);
  });
});
