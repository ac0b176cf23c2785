import { createServer, type Server } from 'node:http';

/** One request the sink received. */
export interface SinkHit {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A request recorder on 127.0.0.1 (security catalog `SINK`): any hit proves an unwanted outbound
 * fetch (`jku`, `x5u`, a followed redirect…). It answers every request with `body` so that a
 * client that wrongly trusts it would get something usable (for example an attacker's JWKS).
 */
export class SinkServer {
  readonly requests: SinkHit[] = [];
  /** Body served to every request (JSON). */
  body = '{}';
  private server: Server | undefined;
  private port = 0;

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Number of requests received so far. */
  hits(): number {
    return this.requests.length;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end(this.body);
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
