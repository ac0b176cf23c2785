import { createServer, request as forward, type Server } from 'node:http';

/** What the relay answers instead of the upstream's answer. */
export interface RelayedAnswer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * A relay on 127.0.0.1 in front of the upstream's token endpoint (configured as the proxy's
 * `tokenEndpoint`): forwards each request unchanged and lets a test rewrite the real answer, so
 * anomalies (a narrower `scope`, a bad `expires_in`, HTML, form encoding…) come with genuine
 * tokens and ID tokens around them. Counts the requests it relays.
 */
export class TokenRelay {
  /** Rewrites the upstream's answer; `undefined` passes it through. */
  rewrite: ((answer: RelayedAnswer) => RelayedAnswer) | undefined;
  requests = 0;
  private server: Server | undefined;
  private port = 0;

  constructor(private readonly target: URL) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}${this.target.pathname}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.requests += 1;
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const upstream = forward(
          {
            host: this.target.hostname,
            port: Number(this.target.port),
            method: req.method,
            path: this.target.pathname,
            headers: { ...req.headers, host: this.target.host, 'content-length': String(body.length) },
          },
          (answer) => {
            const parts: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => parts.push(chunk));
            answer.on('end', () => {
              let relayed: RelayedAnswer = {
                status: answer.statusCode ?? 502,
                contentType: String(answer.headers['content-type'] ?? ''),
                body: Buffer.concat(parts).toString('utf8'),
              };
              if (this.rewrite) relayed = this.rewrite(relayed);
              res.writeHead(relayed.status, { 'content-type': relayed.contentType, 'cache-control': 'no-store' });
              res.end(relayed.body);
            });
          },
        );
        upstream.on('error', () => res.writeHead(502).end());
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

/** Rewrites the JSON members of a token response. */
export const editJson =
  (edit: (fields: Record<string, unknown>) => Record<string, unknown>) =>
  (answer: RelayedAnswer): RelayedAnswer => ({
    ...answer,
    body: JSON.stringify(edit(JSON.parse(answer.body) as Record<string, unknown>)),
  });
