import { createServer, type Server } from 'node:http';

/**
 * The MCP client's redirect URI: a tiny HTTP server on 127.0.0.1 (a loopback redirect, as
 * native MCP clients use) that records every authorization response it receives and shows a
 * plain page, so the browser has somewhere to land.
 */
export class RedirectReceiver {
  /** Authorization responses received, in order. */
  readonly received: URL[] = [];
  private server: Server | undefined;
  private port = 0;

  /** The registered redirect URI. */
  get redirectUri(): string {
    return `http://127.0.0.1:${this.port}/callback`;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', this.origin);
      if (url.pathname === '/callback') this.received.push(url);
      res
        .writeHead(url.pathname === '/callback' ? 200 : 404, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
        })
        .end('<!doctype html><html lang="en"><title>Client</title><p>You can close this window.</p></html>');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}
