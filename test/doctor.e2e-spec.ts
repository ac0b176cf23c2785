import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule as Sample01Module } from '../sample/01-jwt-resource-server/app.module.js';
import { RemoteOAuthAppModule as Sample02Module } from '../sample/02-remote-oauth/app.module.js';
import { startDevIdentityProvider, type DevIdentityProvider } from '../sample/02-remote-oauth/dev-identity-provider.js';
import { runDoctor } from '../lib/cli/doctor.js';
import type { DoctorReport } from '../lib/cli/doctor-report.js';
import { startFakeMcpServer, type FakeMcpServer } from './fixtures/broken-mcp-servers.js';
import { freePort } from './helpers/free-port.js';
import { startMcpApp, type RunningApp } from './helpers/mcp-app.js';
import { SinkServer } from './helpers/sink-server.js';

const statusOf = (report: DoctorReport, id: string) => report.checks.find((check) => check.id === id)?.status;
const failures = (report: DoctorReport) => report.checks.filter((check) => check.status === 'fail');
const origins = (report: DoctorReport) => new Set(report.requests.map((request) => new URL(request.url).origin));

/** Runs a sample's root module on 127.0.0.1, as its main.ts does. */
async function startSample(module: DynamicModule, port: number): Promise<{ close(): Promise<void> }> {
  const app: INestApplication = await NestFactory.create(module, { logger: false, abortOnError: false });
  await app.listen(port, '127.0.0.1');
  return app;
}

/** `doctor` against this library's own servers: every level passes. */
describe('doctor against our own servers', () => {
  let idp: DevIdentityProvider;
  let pathIdp: DevIdentityProvider;
  const apps: Array<Pick<RunningApp, 'close'>> = [];
  const ports: number[] = [];
  const url = (i: number) => `http://127.0.0.1:${ports[i]}/mcp`;

  beforeAll(async () => {
    ports.push(...(await Promise.all([0, 1, 2, 3, 4].map(() => freePort()))));
    idp = await startDevIdentityProvider({ resources: [url(0), url(1), url(2)] });
    pathIdp = await startDevIdentityProvider({ resources: [url(3)], issuerPath: '/realms/demo' });
    apps.push(
      // Level 1: JWTs from an issuer the metadata names.
      await startMcpApp(
        () => ({
          resourceUrl: url(0),
          authorizationServers: [idp.issuer],
          scopesSupported: ['notes:read'],
          verifier: { type: 'jwt', issuer: idp.issuer, jwksUri: idp.jwksUri },
        }),
        { port: ports[0] },
      ),
      // Sample 02 (level 2) with its bundled development identity provider.
      await startSample(
        Sample02Module.forConfig(url(1), { provider: 'generic', issuer: idp.issuer, mirrorMetadata: true }),
        ports[1],
      ),
      // Sample 01 (level 1) as shipped: clients are handed tokens; no authorization server is advertised.
      await startSample(
        Sample01Module.forConfig({ resourceUrl: url(2), issuer: idp.issuer, jwksUri: idp.jwksUri }),
        ports[2],
      ),
      // Level 2 with a path issuer (Keycloak-style realm).
      await startMcpApp(
        () => ({
          resourceUrl: url(3),
          remote: { provider: 'keycloak', realmUrl: pathIdp.issuer },
          scopesSupported: ['notes:read'],
        }),
        { port: ports[3] },
      ),
      // Level 4: the module is the authorization server.
      await startMcpApp(
        () => ({
          resourceUrl: url(4),
          scopesSupported: ['notes:read'],
          server: { users: [{ username: 'demo', password: 'demo' }] },
        }),
        { port: ports[4] },
      ),
    );
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await Promise.all([idp?.close(), pathIdp?.close()]);
  });

  it('passes a level-1 server that advertises its authorization server', async () => {
    const report = await runDoctor(url(0), { register: true });
    expect(failures(report)).toEqual([]);
    expect(report.ok).toBe(true);
    for (const id of [
      'challenge.status',
      'challenge.invalid-token',
      'metadata.path-suffixed',
      'metadata.root',
      'metadata.resource',
    ]) {
      expect([id, statusOf(report, id)]).toEqual([id, 'pass']);
    }
    expect(statusOf(report, 'server.issuer')).toBe('pass');
    expect(statusOf(report, 'registration.iss')).toBe('pass');
    // Loopback http is fine for local development, and worth a warning.
    expect(statusOf(report, 'url.https')).toBe('warn');
    expect(origins(report)).toEqual(new Set([new URL(url(0)).origin, new URL(idp.issuer).origin]));
  });

  it('passes sample 02 (level 2) and its identity provider, registration included', async () => {
    const report = await runDoctor(url(1), { register: true });
    expect(failures(report)).toEqual([]);
    expect(statusOf(report, 'registration.dcr')).toBe('pass');
    expect(statusOf(report, 'registration.private-use-scheme')).toBe('pass');
    expect(statusOf(report, 'cors.mcp')).toBe('pass');
  });

  it("finds a path issuer's OpenID Connect metadata after the RFC 8414 locations, as clients do (P18)", async () => {
    const report = await runDoctor(url(3));
    expect(failures(report)).toEqual([]);
    expect(report.checks.find((check) => check.id === 'server.discovery')?.message).toBe(
      `metadata found at ${pathIdp.issuer}/.well-known/openid-configuration (OpenID Connect discovery) after 2 location(s) without it`,
    );
  });

  it('passes a level-4 server', async () => {
    const report = await runDoctor(url(4), { register: true });
    expect(failures(report)).toEqual([]);
    expect(statusOf(report, 'cors.registration')).toBe('pass');
    expect(origins(report)).toEqual(new Set([new URL(url(4)).origin]));
  });

  it('tells sample 01 as shipped (no authorization server advertised) that clients cannot discover where to log in', async () => {
    const report = await runDoctor(url(2));
    expect(report.ok).toBe(false);
    expect(failures(report).map((check) => [check.id, check.pitfall])).toEqual([
      ['challenge.resource-metadata', 'P2'],
      ['metadata.path-suffixed', undefined],
      ['metadata.document', 'P2'],
    ]);
    expect(statusOf(report, 'challenge.invalid-token')).toBe('pass');
  });

  it('does not register anything without --register', async () => {
    const report = await runDoctor(url(1));
    expect(statusOf(report, 'registration.dcr')).toBe('skip');
    expect(report.requests.filter((request) => request.method === 'POST' && !request.url.startsWith(url(1)))).toEqual(
      [],
    );
  });
});

/** What the doctor refuses to do: leave the two origins, follow redirects, wait or read forever. */
describe('doctor network limits', () => {
  let sink: SinkServer;
  let server: FakeMcpServer | undefined;
  beforeAll(async () => {
    sink = await new SinkServer().start();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  afterAll(async () => {
    await sink.stop();
  });

  const answer =
    (path: string, respond: (res: ServerResponse, origin: string) => void) =>
    (req: IncomingMessage, res: ServerResponse, origin: string) => {
      if (new URL(req.url ?? '/', 'http://x').pathname !== path) return false;
      respond(res, origin);
      return true;
    };

  it('never contacts a resource_metadata URL or a registration endpoint on a third origin', async () => {
    server = await startFakeMcpServer({
      registrationEndpoint: `${sink.origin}/register`,
      intercept: answer('/mcp', (res) =>
        res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${sink.origin}/prm"` }).end(),
      ),
    });
    const report = await runDoctor(server.mcpUrl, { register: true });
    expect(sink.hits()).toBe(0);
    expect(statusOf(report, 'metadata.pointer')).toBe('warn');
    expect(statusOf(report, 'registration.dcr')).toBe('skip');
    expect(statusOf(report, 'cors.registration')).toBe('skip');
    expect(origins(report)).toEqual(new Set([server.origin]));
  });

  it('does not follow redirects', async () => {
    server = await startFakeMcpServer({
      intercept: answer('/.well-known/oauth-protected-resource/mcp', (res) =>
        res.writeHead(302, { location: `${sink.origin}/prm` }).end(),
      ),
    });
    const report = await runDoctor(server.mcpUrl);
    expect(sink.hits()).toBe(0);
    expect(report.checks.find((check) => check.id === 'metadata.path-suffixed')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining(`redirects (302) to ${sink.origin}/prm; clients do not follow it`),
    });
  });

  it('gives up on a response larger than the cap', async () => {
    server = await startFakeMcpServer({
      intercept: answer('/.well-known/oauth-protected-resource', (res) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(`{"pad":"${'x'.repeat(300_000)}"}`),
      ),
    });
    const report = await runDoctor(server.mcpUrl, { maxResponseBytes: 64 * 1024 });
    expect(report.checks.find((check) => check.id === 'metadata.root')?.message).toContain(
      'response larger than 65536 bytes',
    );
  });

  it('gives up on a server that does not answer', async () => {
    server = await startFakeMcpServer({
      intercept: (req) => new URL(req.url ?? '/', 'http://x').pathname === '/.well-known/oauth-protected-resource',
    });
    const report = await runDoctor(server.mcpUrl, { timeoutMs: 200 });
    expect(report.checks.find((check) => check.id === 'metadata.root')?.message).toContain('no answer within 200 ms');
  });

  it('reports an unreachable MCP endpoint and stops there', async () => {
    const port = await freePort();
    const report = await runDoctor(`http://127.0.0.1:${port}/mcp`);
    expect(report.checks.map((check) => [check.id, check.status])).toEqual([
      ['url.https', 'warn'],
      ['challenge.status', 'fail'],
    ]);
    expect(report.checks[1].message).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:\d+\/mcp: ECONNREFUSED/);
  });
});
