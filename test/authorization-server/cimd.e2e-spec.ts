import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import { decodeJwt } from 'jose';
import type { CimdLookup, ResolvedAddress } from '../../lib/oauth/clients/cimd/cimd-fetcher.js';
import { SelfSignedHttpsServer } from '../fakes/self-signed-https.js';
import { startAsApp, type AsApp } from './support/as-app.js';
import { Browser } from './support/browser.js';
import { expectErrorPage } from './support/expectations.js';
import {
  authorizationUrl,
  authorizeCode,
  exchangeCode,
  openConsentPage,
  PUB1_REDIRECT,
  type RegisteredClient,
} from './support/flow.js';
import { AS_LEVELS } from './support/levels.js';

/*
 * Client ID metadata documents through the endpoints (security catalog D-22 … D-27): the real
 * module, registry and document fetcher; only the fetcher's DNS resolver and CA are the test's.
 *
 * - A local HTTPS server (test/fakes/self-signed-https.ts) with a certificate for *.cimd.test.
 * - A DNS stub maps test names to addresses. Names that should work resolve to a stand-in public
 *   address, PUBLIC_IP:443, which the egress guard routes to the local server.
 * - The egress guard (catalog 0.5) on net.Socket.prototype.connect lets loopback traffic of the
 *   test through (apps, upstream) and records every other connection, failing it: "no connection
 *   to X" is observable, and nothing outside this machine is ever contacted.
 */

const PUBLIC_IP = '93.184.215.14';
type Route = (req: IncomingMessage, res: ServerResponse) => void;

const documentFor = (clientId: string, extra: Record<string, unknown> = {}) => ({
  client_id: clientId,
  client_name: 'Example CIMD client',
  redirect_uris: [PUB1_REDIRECT],
  ...extra,
});
const json =
  (body: unknown, headers: Record<string, string> = {}): Route =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

describe.each(AS_LEVELS)('client ID metadata documents through the endpoints, %s', (_label, level) => {
  const routes = new Map<string, Route>();
  const outbound: Array<{ host: string; port: number }> = [];
  const pending = new Set<ServerResponse>();
  const originalConnect = net.Socket.prototype.connect;
  let dns: Map<string, readonly string[] | (() => readonly string[])>;
  let lookups: string[];
  let https: SelfSignedHttpsServer;
  let app: AsApp;
  let off: AsApp;

  const lookup: CimdLookup = async (hostname) => {
    lookups.push(hostname);
    const entry = dns.get(hostname);
    const addresses = typeof entry === 'function' ? entry() : entry;
    if (addresses === undefined) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address): ResolvedAddress => ({ address, family: net.isIP(address) as 4 | 6 }));
  };

  const clientOf = (clientId: string, redirectUri = PUB1_REDIRECT) =>
    ({ client_id: clientId, redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' }) as RegisteredClient;

  beforeAll(async () => {
    https = await new SelfSignedHttpsServer({
      altNames: ['DNS:*.cimd.test', 'DNS:*.denied.test'],
      handler: (req, res) => {
        const route = routes.get(req.url ?? '');
        if (route === undefined) res.writeHead(404).end();
        else route(req, res);
      },
    }).start();
    net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
      const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
      const options = (typeof first === 'object' && first !== null ? first : {}) as {
        host?: string;
        port?: number;
        path?: string;
      };
      const ipc = typeof first === 'string' || (options.host === undefined && options.port === undefined);
      const host = String(options.host ?? 'localhost');
      const port = Number(options.port);
      if (ipc || (['127.0.0.1', '::1', 'localhost'].includes(host) && port !== 443)) {
        return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
      }
      outbound.push({ host, port });
      if (host === PUBLIC_IP && port === 443) {
        options.host = '127.0.0.1';
        options.port = https.listeningPort;
        return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
      }
      process.nextTick(() => this.destroy(Object.assign(new Error('blocked by the egress guard'), { code: 'EGRESS' })));
      return this;
    } as typeof net.Socket.prototype.connect;
    const transport = { lookup, ca: https.certificate };
    app = await startAsApp({
      level,
      cimdTransport: transport,
      as: {
        clientIdMetadataDocuments: {
          enabled: true,
          timeoutMs: 500,
          cacheMinSeconds: 60,
          denyDomains: ['*.denied.test'],
        },
      },
    });
    off = await startAsApp({ level, cimdTransport: transport });
  });
  afterAll(async () => {
    net.Socket.prototype.connect = originalConnect;
    for (const res of pending) res.destroy();
    await off?.close();
    await app?.close();
    await https?.stop();
  });
  beforeEach(() => {
    routes.clear();
    outbound.length = 0;
    lookups = [];
    dns = new Map([['good.cimd.test', [PUBLIC_IP]]]);
  });

  /** Authorization request of a URL client id; EPAGE `invalid_client`, nothing stored. */
  async function expectRefused(clientId: string, redirectUri = PUB1_REDIRECT, error = 'invalid_client') {
    const mark = app.store.mark();
    const page = await new Browser(app).get(authorizationUrl(app, clientOf(clientId, redirectUri)));
    expectErrorPage(page, error);
    expect(app.store.writtenSince(mark)).toEqual([]);
    return page;
  }

  it('a valid document makes a working client: metadata advertises CIMD, consent, code, token with the URL as client_id', async () => {
    const clientId = 'https://good.cimd.test/valid.json';
    routes.set('/valid.json', json(documentFor(clientId)));
    const metadata = (await (await fetch(app.url('/.well-known/oauth-authorization-server'))).json()) as Record<
      string,
      unknown
    >;
    expect(metadata.client_id_metadata_document_supported).toBe(true);
    const client = clientOf(clientId);
    const { code, verifier } = await authorizeCode(app, client);
    const exchanged = await exchangeCode(app, client, code, verifier);
    expect(exchanged.status).toBe(200);
    expect(decodeJwt(exchanged.body!.access_token as string).client_id).toBe(clientId);
    expect(outbound).toEqual([{ host: PUBLIC_IP, port: 443 }]);
  });

  it('D-22: with CIMD off (the default), a URL client_id is an unknown client and nothing is fetched', async () => {
    routes.set('/off.json', json(documentFor('https://good.cimd.test/off.json')));
    const page = await new Browser(off).get(authorizationUrl(off, clientOf('https://good.cimd.test/off.json')));
    expectErrorPage(page, 'invalid_client');
    expect(lookups).toEqual([]);
    expect(outbound).toEqual([]);
    const metadata = (await (await fetch(off.url('/.well-known/oauth-authorization-server'))).json()) as Record<
      string,
      unknown
    >;
    expect(metadata).not.toHaveProperty('client_id_metadata_document_supported');
  });

  it.each([
    'http://good.cimd.test/c.json',
    'https://u@good.cimd.test/c.json',
    'https://good.cimd.test/c.json#f',
    'https://good.cimd.test/./c.json',
    'https://good.cimd.test/%2e%2e/c.json',
    ' https://good.cimd.test/c.json',
    'https://good.cimd.test\\c.json',
    'https:good.cimd.test/c.json',
    'https://GOOD.cimd.test/c.json',
    'https://good.cimd.test:443/c.json',
    'https://93.184.215.14/c.json',
    'https://good.cimd.test/',
    'https://x.denied.test/c.json',
  ])('D-23: client_id %j → EPAGE invalid_client before any lookup or connection', async (clientId) => {
    await expectRefused(clientId);
    expect(lookups).toEqual([]);
    expect(outbound).toEqual([]);
  });

  it.each([
    ['127.0.0.1', ['127.0.0.1']],
    ['10.0.0.1', ['10.0.0.1']],
    ['100.64.0.1', ['100.64.0.1']],
    ['169.254.169.254', ['169.254.169.254']],
    ['::ffff:127.0.0.1', ['::ffff:127.0.0.1']],
    ['64:ff9b::7f00:1 (NAT64)', ['64:ff9b::7f00:1']],
    ['2606:4700::5efe:192.168.1.1 (ISATAP)', ['2606:4700::5efe:192.168.1.1']],
    ['a public and a private address', [PUBLIC_IP, '10.0.0.1']],
  ])('D-24: a host resolving to %s → EPAGE, and no connection is ever made', async (_name, addresses) => {
    dns.set('internal.cimd.test', addresses);
    routes.set('/ssrf.json', json(documentFor('https://internal.cimd.test/ssrf.json')));
    const hits = https.hits;
    await expectRefused('https://internal.cimd.test/ssrf.json');
    expect(lookups).toEqual(['internal.cimd.test']);
    expect(outbound).toEqual([]);
    expect(https.hits).toBe(hits);
  });

  it('D-25: DNS rebinding: the name is resolved once and the validated address is the one connected to', async () => {
    let calls = 0;
    dns.set('rebind.cimd.test', () => (calls++ === 0 ? [PUBLIC_IP] : ['127.0.0.1']));
    const clientId = 'https://rebind.cimd.test/doc.json';
    routes.set('/doc.json', json(documentFor(clientId)));
    const consent = await openConsentPage(app, clientOf(clientId));
    expect(consent.status).toBe(200);
    expect(lookups).toEqual(['rebind.cimd.test']);
    expect(outbound).toEqual([{ host: PUBLIC_IP, port: 443 }]);
  });

  it.each([
    ['a different client_id', (id: string) => json(documentFor(`${id}x`))],
    [
      'client_id with the default port spelled out',
      (id: string) => json(documentFor(id.replace('.test/', '.test:443/'))),
    ],
    [
      'a redirect',
      () =>
        ((_req: IncomingMessage, res: ServerResponse) =>
          void res.writeHead(302, { location: 'https://good.cimd.test/valid.json' }).end()) as Route,
    ],
    ['status 500', () => ((_req: IncomingMessage, res: ServerResponse) => void res.writeHead(500).end('{}')) as Route],
    [
      'not JSON',
      () =>
        ((_req: IncomingMessage, res: ServerResponse) =>
          void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>')) as Route,
    ],
    ['too large (streamed)', (id: string) => json(documentFor(id, { client_name: 'n'.repeat(6000) }))],
    [
      'a Content-Length that lies',
      (id: string) =>
        ((_req: IncomingMessage, res: ServerResponse) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
          res.write(JSON.stringify(documentFor(id)).slice(0, 50));
          res.write(' '.repeat(20_000));
          res.end();
        }) as Route,
    ],
    [
      'client_secret_basic',
      (id: string) => json(documentFor(id, { token_endpoint_auth_method: 'client_secret_basic' })),
    ],
    ['a client_secret', (id: string) => json(documentFor(id, { client_secret: 'x'.repeat(40) }))],
    [
      'a private key in jwks',
      (id: string) =>
        json(
          documentFor(id, {
            token_endpoint_auth_method: 'private_key_jwt',
            jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c' }] },
          }),
        ),
    ],
    [
      'no answer within the timeout',
      () =>
        ((_req: IncomingMessage, res: ServerResponse) => {
          pending.add(res);
        }) as Route,
    ],
  ])('D-26: a document with %s → EPAGE invalid_client; nothing cached on failure', async (_name, route) => {
    const path = `/bad-${Math.random().toString(36).slice(2)}.json`;
    const clientId = `https://good.cimd.test${path}`;
    routes.set(path, route(clientId));
    await expectRefused(clientId);
    // Once the document is fixed, the very next request uses it: the failure was not cached.
    routes.set(path, json(documentFor(clientId)));
    const consent = await openConsentPage(app, clientOf(clientId));
    expect(consent.status).toBe(200);
  });

  it('D-27: a redirect_uri missing from the document → EPAGE; a localhost-only client gets a warning on the consent page', async () => {
    const clientId = 'https://good.cimd.test/loopback.json';
    routes.set('/loopback.json', json(documentFor(clientId)));
    await expectRefused(clientId, 'http://127.0.0.1:5555/other', 'invalid_request');
    await expectRefused(clientId, 'https://evil.example/cb', 'invalid_request');
    const consent = await openConsentPage(app, clientOf(clientId));
    expect(consent.status).toBe(200);
    expect(consent.body).toContain('class="warning"');
    expect(consent.body).toContain('localhost');

    const webId = 'https://good.cimd.test/web.json';
    routes.set('/web.json', json(documentFor(webId, { redirect_uris: ['https://client.cimd.test/cb'] })));
    const web = await openConsentPage(app, clientOf(webId, 'https://client.cimd.test/cb'));
    expect(web.status).toBe(200);
    expect(web.body).not.toContain('class="warning"');
  });
});
