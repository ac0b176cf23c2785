import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { JWK } from 'jose';

/** Behaviour of the fake identity provider's JWKS route. */
export interface JwksBehaviour {
  status?: number;
  /** Raw body; defaults to `{ keys }`. */
  body?: string;
  delayMs?: number;
  /** Destroy the socket without answering. */
  drop?: boolean;
  headers?: Record<string, string>;
}

/**
 * A JWKS endpoint on 127.0.0.1 that tests can reprogram and that counts its hits: the identity
 * provider of level-1 tests.
 */
export class JwksServer {
  hits = 0;
  keys: JWK[] = [];
  behaviour: JwksBehaviour = {};
  private server: Server | undefined;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/jwks`;
  }

  async start(keys: JWK[] = []): Promise<this> {
    this.keys = keys;
    this.server = createServer((req, res) => this.handle(req, res));
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

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.url !== '/jwks') {
      res.writeHead(404).end();
      return;
    }
    this.hits += 1;
    const { status = 200, body, delayMs = 0, drop, headers = {} } = this.behaviour;
    setTimeout(() => {
      if (drop) {
        req.socket.destroy();
        return;
      }
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body ?? JSON.stringify({ keys: this.keys }));
    }, delayMs);
  }
}
