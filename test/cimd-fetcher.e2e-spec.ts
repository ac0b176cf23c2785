import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { McpAuthClock } from '../lib/core/clock.js';
import { MemoryStore } from '../lib/storage/memory-store.js';
import {
  ClientMetadataDocumentFetcher,
  type CimdLookup,
  type ResolvedAddress,
} from '../lib/oauth/clients/cimd/cimd-fetcher.js';
import type { CimdOptions } from '../lib/oauth/clients/cimd/cimd.options.js';
import type { ClientRegistrationPolicy } from '../lib/oauth/clients/client-registration.policy.js';
import { ClientRegistry } from '../lib/oauth/clients/client-registry.service.js';

/*
 * Client ID metadata documents fetched over real HTTPS (security catalog D-23 … D-26).
 *
 * Topology, all on this machine:
 * - one HTTPS server on 127.0.0.1 with a throwaway self-signed certificate for *.cimd.test and
 *   *.trusted.test, made with openssl in beforeAll (test-only, trusted through the fetcher's
 *   `tls.ca`);
 * - a DNS stub (the fetcher's injectable `lookup`) that maps test names to addresses;
 * - an egress guard on net.Socket.prototype.connect that records every outbound connection.
 *   The fetcher refuses loopback addresses (that is the point), so names that should work
 *   resolve to a stand-in public address, PUBLIC_IP:443, which the guard routes to the local
 *   server. Every other destination is recorded and failed without any packet leaving the
 *   machine, so "no connection to X" is observable and nothing real is ever contacted.
 */

const PUBLIC_IP = '93.184.215.14';
const OTHER_PUBLIC_IP = '93.184.215.15';

interface Hit {
  readonly url: string;
  readonly host: string | undefined;
  readonly servername: string | false | null | undefined;
}
type Route = (req: IncomingMessage, res: ServerResponse) => void;

const docUrl = (host: string, path = '/client.json') => `https://${host}${path}`;
const documentFor = (clientId: string, extra: Record<string, unknown> = {}) => ({
  client_id: clientId,
  client_name: 'Example MCP client',
  redirect_uris: ['http://127.0.0.1/callback'],
  ...extra,
});
const json =
  (body: unknown, headers: Record<string, string> = {}): Route =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

describe('ClientMetadataDocumentFetcher over HTTPS (D-23 … D-26)', () => {
  let dir: string;
  let cert: string;
  let server: Server;
  let serverPort: number;
  const routes = new Map<string, Route>();
  const hits: Hit[] = [];
  const connects: { host: string; port: number }[] = [];
  const originalConnect = net.Socket.prototype.connect;
  const pendingResponses = new Set<ServerResponse>();

  let now = 1_700_000_000_000;
  const clock: McpAuthClock = { now: () => now };
  const policy: ClientRegistrationPolicy = {
    allowLocalhost: true,
    scopesSupported: ['mcp:read'],
    allowClientCredentials: false,
    allowPrivateKeyJwt: false,
  };
  let dns: Map<string, readonly string[]>;
  let lookup: jest.Mock<CimdLookup>;

  const stubLookup = (): jest.Mock<CimdLookup> =>
    jest.fn<CimdLookup>(async (hostname) => {
      const addresses = dns.get(hostname);
      if (addresses === undefined) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return addresses.map((address): ResolvedAddress => ({ address, family: net.isIP(address) as 4 | 6 }));
    });

  const fetcher = (options: CimdOptions = {}, overrides: { lookup?: CimdLookup; ca?: string | null } = {}) =>
    new ClientMetadataDocumentFetcher({
      options: { enabled: true, ...options },
      policy,
      lookup: overrides.lookup ?? lookup,
      tls: overrides.ca === null ? undefined : { ca: overrides.ca ?? cert },
      clock,
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cimd-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=cimd.test',
        '-addext',
        'subjectAltName=DNS:*.cimd.test,DNS:*.trusted.test',
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
      hits.push({ url: req.url ?? '', host: req.headers.host, servername: (req.socket as TLSSocket).servername });
      const route = routes.get(req.url ?? '');
      if (route === undefined) res.writeHead(404).end();
      else route(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    serverPort = (server.address() as net.AddressInfo).port;

    // The egress guard (security catalog 0.5).
    net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
      const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
      const options = (typeof first === 'object' && first !== null ? first : {}) as { host?: string; port?: number };
      connects.push({ host: String(options.host), port: Number(options.port) });
      if (options.host === PUBLIC_IP && Number(options.port) === 443) {
        options.host = '127.0.0.1';
        options.port = serverPort;
        return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
      }
      process.nextTick(() => this.destroy(Object.assign(new Error('blocked by the egress guard'), { code: 'EGRESS' })));
      return this;
    } as typeof net.Socket.prototype.connect;
  });

  afterAll(async () => {
    net.Socket.prototype.connect = originalConnect;
    for (const res of pendingResponses) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    routes.clear();
    hits.length = 0;
    connects.length = 0;
    dns = new Map([
      ['good.cimd.test', [PUBLIC_IP]],
      ['a.trusted.test', [PUBLIC_IP]],
    ]);
    lookup = stubLookup();
  });

  it('fetches a valid document through the validated address, with SNI and Host set to the name', async () => {
    const url = docUrl('good.cimd.test');
    routes.set('/client.json', json(documentFor(url, { scope: 'mcp:read admin' })));
    const client = await fetcher().fetch(url);
    expect(client).toEqual({
      clientId: url,
      source: 'metadata-document',
      clientIdIssuedAt: 1_700_000_000,
      redirectUris: ['http://127.0.0.1/callback'],
      grantTypes: ['authorization_code', 'refresh_token'],
      responseTypes: ['code'],
      tokenEndpointAuthMethod: 'none',
      applicationType: 'native',
      clientName: 'Example MCP client',
      scope: 'mcp:read',
    });
    expect(hits).toEqual([{ url: '/client.json', host: 'good.cimd.test', servername: 'good.cimd.test' }]);
    expect(connects).toEqual([{ host: PUBLIC_IP, port: 443 }]);
    expect(lookup.mock.calls).toEqual([['good.cimd.test']]);
  });

  it('serves the registry: find() resolves URL-shaped client ids through the fetcher', async () => {
    const url = docUrl('good.cimd.test', '/registry.json');
    routes.set('/registry.json', json(documentFor(url)));
    const store = new MemoryStore({}, clock);
    try {
      const registry = new ClientRegistry({ store, clock, metadataDocuments: fetcher() });
      expect(await registry.find(url)).toMatchObject({ clientId: url, source: 'metadata-document' });
    } finally {
      await store.close();
    }
  });

  describe('caching', () => {
    it('honours Cache-Control max-age', async () => {
      const url = docUrl('good.cimd.test');
      routes.set('/client.json', json(documentFor(url), { 'cache-control': 'max-age=600' }));
      const f = fetcher();
      await f.fetch(url);
      now += 599_000;
      await f.fetch(url);
      expect(hits).toHaveLength(1);
      now += 1000;
      await f.fetch(url);
      expect(hits).toHaveLength(2);
      expect(lookup).toHaveBeenCalledTimes(2);
    });

    it('clamps max-age to cacheMaxSeconds and no-store to cacheMinSeconds', async () => {
      const long = docUrl('good.cimd.test', '/long.json');
      const none = docUrl('good.cimd.test', '/none.json');
      routes.set('/long.json', json(documentFor(long), { 'cache-control': 'max-age=31536000' }));
      routes.set('/none.json', json(documentFor(none), { 'cache-control': 'no-store' }));
      const f = fetcher({ cacheMinSeconds: 30, cacheMaxSeconds: 120 });
      await f.fetch(long);
      await f.fetch(none);
      now += 29_000;
      await Promise.all([f.fetch(long), f.fetch(none)]);
      expect(hits.map((h) => h.url)).toEqual(['/long.json', '/none.json']);
      now += 1000;
      await Promise.all([f.fetch(long), f.fetch(none)]);
      expect(hits.map((h) => h.url)).toEqual(['/long.json', '/none.json', '/none.json']);
      now += 90_000;
      await f.fetch(long);
      expect(hits.filter((h) => h.url === '/long.json')).toHaveLength(2);
    });

    it('caches nothing on failure', async () => {
      const url = docUrl('good.cimd.test');
      routes.set('/client.json', (_req, res) => res.writeHead(500).end());
      const f = fetcher();
      await expect(f.fetch(url)).rejects.toMatchObject({
        error: 'invalid_client',
        message: 'Client metadata document: HTTP 500',
      });
      routes.set('/client.json', json(documentFor(url, { client_id: `${url}x` }), { 'cache-control': 'max-age=600' }));
      await expect(f.fetch(url)).rejects.toMatchObject({ error: 'invalid_client' });
      routes.set('/client.json', json(documentFor(url), { 'cache-control': 'max-age=600' }));
      await expect(f.fetch(url)).resolves.toMatchObject({ clientId: url });
      await f.fetch(url);
      expect(hits).toHaveLength(3);
    });

    it('concurrent fetches of one URL share one request', async () => {
      const url = docUrl('good.cimd.test');
      routes.set('/client.json', json(documentFor(url)));
      const f = fetcher();
      const clients = await Promise.all(Array.from({ length: 5 }, () => f.fetch(url)));
      expect(new Set(clients.map((c) => c.clientId))).toEqual(new Set([url]));
      expect(hits).toHaveLength(1);
    });
  });

  describe('D-24: non-public addresses are refused before any connection', () => {
    it.each([
      ['127.0.0.1'],
      ['10.0.0.1'],
      ['100.64.0.1'],
      ['169.254.169.254'],
      ['::ffff:127.0.0.1'],
      ['64:ff9b::7f00:1'],
      ['2606:4700::5efe:192.168.1.1'],
      ['::1'],
      ['fd00::1'],
      ['fe80::1'],
      ['0.0.0.0'],
      ['2002:7f00:1::1'],
    ])('%s', async (address) => {
      dns.set('ssrf.cimd.test', [address]);
      routes.set('/client.json', json(documentFor(docUrl('ssrf.cimd.test'))));
      await expect(fetcher().fetch(docUrl('ssrf.cimd.test'))).rejects.toMatchObject({
        error: 'invalid_client',
        status: 401,
        message: 'Client metadata document: the host name resolves to a non-public address',
      });
      expect(lookup).toHaveBeenCalledTimes(1);
      expect(connects).toEqual([]);
      expect(hits).toEqual([]);
    });

    it('checks every address, not only the first', async () => {
      dns.set('mixed.cimd.test', [PUBLIC_IP, '10.0.0.1']);
      await expect(fetcher().fetch(docUrl('mixed.cimd.test'))).rejects.toMatchObject({
        message: 'Client metadata document: the host name resolves to a non-public address',
      });
      expect(connects).toEqual([]);
    });

    it('a name that does not resolve fails without a connection', async () => {
      await expect(fetcher().fetch(docUrl('missing.cimd.test'))).rejects.toMatchObject({
        message: 'Client metadata document: the host name could not be resolved',
      });
      expect(connects).toEqual([]);
    });
  });

  describe('D-25: DNS rebinding cannot redirect the connection', () => {
    /** A stub that answers `first` once, then 127.0.0.1 for every later lookup. */
    const rebinding = (first: string) => {
      let calls = 0;
      return jest.fn<CimdLookup>(async () => [{ address: calls++ === 0 ? first : '127.0.0.1', family: 4 }]);
    };

    it('connects to the validated address only (the request succeeds through it)', async () => {
      const url = docUrl('rebind.cimd.test');
      routes.set('/client.json', json(documentFor(url)));
      const stub = rebinding(PUBLIC_IP);
      await expect(fetcher({}, { lookup: stub }).fetch(url)).resolves.toMatchObject({ clientId: url });
      expect(stub).toHaveBeenCalledTimes(1);
      expect(connects).toEqual([{ host: PUBLIC_IP, port: 443 }]);
      expect(hits).toEqual([{ url: '/client.json', host: 'rebind.cimd.test', servername: 'rebind.cimd.test' }]);
    });

    it('never falls back to a second lookup when the validated address fails', async () => {
      const stub = rebinding(OTHER_PUBLIC_IP);
      routes.set('/client.json', json(documentFor(docUrl('rebind.cimd.test'))));
      await expect(fetcher({}, { lookup: stub }).fetch(docUrl('rebind.cimd.test'))).rejects.toMatchObject({
        error: 'invalid_client',
        message: 'Client metadata document: the document could not be fetched',
      });
      expect(stub).toHaveBeenCalledTimes(1);
      expect(connects).toEqual([{ host: OTHER_PUBLIC_IP, port: 443 }]);
      expect(hits).toEqual([]);
    });
  });

  describe('D-26: bad responses and documents', () => {
    const url = docUrl('good.cimd.test');

    it.each([
      [
        'client_id differs',
        documentFor('https://evil.cimd.test/client.json'),
        'client_id must equal the document URL exactly',
      ],
      [
        'client_id with :443',
        documentFor('https://good.cimd.test:443/client.json'),
        'client_id must equal the document URL exactly',
      ],
      [
        'client_secret_basic',
        documentFor(url, { token_endpoint_auth_method: 'client_secret_basic' }),
        'token_endpoint_auth_method must be none or private_key_jwt',
      ],
      ['a client_secret', documentFor(url, { client_secret: 'shh' }), 'must not contain a client_secret'],
      [
        'private jwks',
        documentFor(url, {
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' }] },
        }),
        'jwks must contain public keys only (private key material found)',
      ],
      ['no redirect_uris', documentFor(url, { redirect_uris: undefined }), 'redirect_uris is required'],
      ['a JSON array', [documentFor(url)], 'must be a JSON object'],
    ])('%s', async (_name, body, reason) => {
      routes.set('/client.json', json(body, { 'cache-control': 'max-age=600' }));
      const f = fetcher();
      await expect(f.fetch(url)).rejects.toMatchObject({
        error: 'invalid_client',
        message: `Client metadata document: ${reason}`,
      });
      await expect(f.fetch(url)).rejects.toMatchObject({ error: 'invalid_client' });
      expect(hits).toHaveLength(2);
    });

    it('a redirect is a failure and is not followed', async () => {
      routes.set('/client.json', (_req, res) => res.writeHead(302, { location: '/elsewhere.json' }).end());
      routes.set('/elsewhere.json', json(documentFor(url)));
      await expect(fetcher().fetch(url)).rejects.toMatchObject({
        message: 'Client metadata document: redirects are not followed (HTTP 302)',
      });
      expect(hits.map((h) => h.url)).toEqual(['/client.json']);
    });

    it.each([
      ['HTTP 500', (_req: IncomingMessage, res: ServerResponse) => res.writeHead(500).end('{}'), 'HTTP 500'],
      ['HTTP 404', (_req: IncomingMessage, res: ServerResponse) => res.writeHead(404).end(), 'HTTP 404'],
      [
        'not JSON',
        (_req: IncomingMessage, res: ServerResponse) => res.writeHead(200).end('<html>hello</html>'),
        'the document is not valid JSON',
      ],
      [
        'invalid UTF-8',
        (_req: IncomingMessage, res: ServerResponse) => res.writeHead(200).end(Buffer.from([0x7b, 0xff, 0x7d])),
        'the document is not valid JSON',
      ],
    ])('%s', async (_name, route, reason) => {
      routes.set('/client.json', route);
      await expect(fetcher().fetch(url)).rejects.toMatchObject({ message: `Client metadata document: ${reason}` });
    });

    it('a declared Content-Length above maxBytes is refused', async () => {
      routes.set('/client.json', (_req, res) => {
        pendingResponses.add(res);
        res.writeHead(200, { 'content-length': '100000' });
        res.write('{');
      });
      await expect(fetcher({ maxBytes: 1024 }).fetch(url)).rejects.toMatchObject({
        message: 'Client metadata document: the document is larger than 1024 bytes',
      });
    });

    it('a streamed body is cut at maxBytes, whatever the headers say', async () => {
      let finished = true;
      const closed = new Promise<void>((resolve) => {
        routes.set('/client.json', async (_req, res) => {
          pendingResponses.add(res);
          res.on('close', () => {
            finished = res.writableFinished;
            resolve();
          });
          res.writeHead(200, { 'content-type': 'application/json' });
          const chunk = Buffer.alloc(64 * 1024, 0x20);
          for (let i = 0; i < 800 && !res.destroyed; i += 1) {
            if (!res.write(chunk)) await new Promise((r) => res.once('drain', r).once('close', r));
          }
          res.end();
        });
      });
      await expect(fetcher({ maxBytes: 2048 }).fetch(url)).rejects.toMatchObject({
        message: 'Client metadata document: the document is larger than 2048 bytes',
      });
      await closed;
      expect(finished).toBe(false);
    });

    it('a Content-Length smaller than the body does not let extra bytes in', async () => {
      routes.set('/client.json', (_req, res) => {
        res.strictContentLength = false;
        res.writeHead(200, { 'content-length': '10' });
        res.end(JSON.stringify(documentFor(url)));
      });
      // The client reads the 10 declared bytes (a truncated document); Node's HTTP parser may
      // also flag the extra bytes as a protocol error first. Either way nothing is accepted.
      await expect(fetcher().fetch(url)).rejects.toMatchObject({
        error: 'invalid_client',
        message: expect.stringMatching(
          /^Client metadata document: the document (is not valid JSON|could not be fetched)$/,
        ),
      });
    });

    it('a server that never answers fails at timeoutMs', async () => {
      routes.set('/client.json', (_req, res) => void pendingResponses.add(res));
      await expect(fetcher({ timeoutMs: 300 }).fetch(url)).rejects.toMatchObject({
        error: 'invalid_client',
        message: 'Client metadata document: timed out',
      });
      expect(hits).toHaveLength(1);
    });

    it('a slow DNS answer fails at timeoutMs too', async () => {
      const never = jest.fn<CimdLookup>(() => new Promise<never>(() => undefined));
      await expect(fetcher({ timeoutMs: 200 }, { lookup: never }).fetch(url)).rejects.toMatchObject({
        message: 'Client metadata document: timed out',
      });
      expect(connects).toEqual([]);
    });
  });

  describe('TLS verification stays on', () => {
    it('refuses a certificate for another name', async () => {
      dns.set('good.other.example', [PUBLIC_IP]);
      const url = docUrl('good.other.example');
      routes.set('/client.json', json(documentFor(url)));
      await expect(fetcher().fetch(url)).rejects.toMatchObject({
        message: 'Client metadata document: the TLS certificate could not be verified',
      });
      expect(hits).toEqual([]);
    });

    it('refuses the self-signed certificate without the test CA (default trust store)', async () => {
      const url = docUrl('good.cimd.test');
      routes.set('/client.json', json(documentFor(url)));
      await expect(fetcher({}, { ca: null }).fetch(url)).rejects.toMatchObject({
        message: 'Client metadata document: the TLS certificate could not be verified',
      });
      expect(hits).toEqual([]);
    });
  });

  describe('domain policy and URL checks happen before any lookup', () => {
    it('denyDomains wins; allowDomains restricts', async () => {
      const trusted = docUrl('a.trusted.test');
      routes.set('/client.json', json(documentFor(trusted)));
      const f = fetcher({ allowDomains: ['*.trusted.test'], denyDomains: ['evil.trusted.test'] });
      await expect(f.fetch(trusted)).resolves.toMatchObject({ clientId: trusted });
      await expect(f.fetch(docUrl('good.cimd.test'))).rejects.toMatchObject({
        message: 'client_id URL host is not allowed by this server',
      });
      await expect(f.fetch(docUrl('evil.trusted.test'))).rejects.toMatchObject({
        message: 'client_id URL host is not allowed by this server',
      });
      expect(lookup.mock.calls).toEqual([['a.trusted.test']]);
      expect(connects).toHaveLength(1);
    });

    it.each([
      'http://good.cimd.test/client.json',
      'https://u@good.cimd.test/client.json',
      'https://good.cimd.test/client.json#f',
      'https://good.cimd.test/./client.json',
      'https://good.cimd.test/%2e%2e/client.json',
      ' https://good.cimd.test/client.json',
      'https://good.cimd.test\\client.json',
      'https:good.cimd.test/client.json',
      'https://good.cimd.test/',
      'https://127.0.0.1/client.json',
    ])('D-23: %j', async (clientId) => {
      await expect(fetcher().fetch(clientId)).rejects.toMatchObject({
        error: 'invalid_client',
        message: expect.stringMatching(/^client_id URL /),
      });
      expect(lookup).not.toHaveBeenCalled();
      expect(connects).toEqual([]);
    });
  });
});
