import { createServer, request as forward, type IncomingHttpHeaders, type Server } from 'node:http';

/** How the proxy alters traffic, to put the server behind it in a given deployment shape. */
export interface ProxyRules {
  /** Answer 404 for these paths instead of forwarding. */
  hide?: (path: string) => boolean;
  /** Forward this path to another path of the target. */
  route?: (path: string) => string;
  /** Rewrite the `WWW-Authenticate` header of answers. */
  challenge?: (header: string) => string;
  /** Headers added to every forwarded request (e.g. a bearer token). */
  addHeaders?: Record<string, string>;
}

/**
 * A small reverse proxy on 127.0.0.1 in front of an app, forwarding `Host` unchanged. Tests use
 * it to reproduce deployments: metadata only at some URLs, challenges without pointers.
 */
export class ReverseProxy {
  private server: Server | undefined;
  port = 0;
  rules: ProxyRules = {};

  constructor(private readonly targetPort: number) {}

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (this.rules.hide?.(path)) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
        return;
      }
      const url = this.rules.route ? this.rules.route(path) + (req.url ?? '').slice(path.length) : req.url;
      const headers: IncomingHttpHeaders = { ...req.headers, ...this.rules.addHeaders };
      const upstream = forward(
        { host: '127.0.0.1', port: this.targetPort, method: req.method, path: url, headers },
        (answer) => {
          const out = { ...answer.headers };
          if (typeof out['www-authenticate'] === 'string' && this.rules.challenge) {
            out['www-authenticate'] = this.rules.challenge(out['www-authenticate']);
          }
          res.writeHead(answer.statusCode ?? 502, out);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
