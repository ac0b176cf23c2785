/**
 * The identity provider's JWKS endpoint, on plain node:http. `GET /jwks/<name>` serves the key set
 * (from BENCH_JWKS_JSON) and counts the hit under `<name>`, so every bench server has its own
 * counter; `GET /hits` answers the counters as JSON.
 */
import { createServer } from 'node:http';
import { announceReady, exitWithRunner } from './server-env.js';

const port = Number(process.env.BENCH_PORT);
const body = process.env.BENCH_JWKS_JSON ?? '{"keys":[]}';
const hits: Record<string, number> = {};

const server = createServer((req, res) => {
  const url = req.url ?? '';
  if (req.method === 'GET' && url.startsWith('/jwks/')) {
    const name = url.slice('/jwks/'.length);
    hits[name] = (hits[name] ?? 0) + 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  if (req.method === 'GET' && url === '/hits') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(hits));
    return;
  }
  res.writeHead(404).end();
});

server.listen(port, '127.0.0.1', () => announceReady(port));
exitWithRunner(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);
