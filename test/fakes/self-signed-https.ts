import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Options of {@link SelfSignedHttpsServer}. */
export interface SelfSignedHttpsOptions {
  /**
   * Subject alternative names of the certificate, e.g. `['DNS:*.cimd.test']`.
   * @default ['IP:127.0.0.1']
   */
  readonly altNames?: readonly string[];
  /** Answers the requests. @default a JSON body that looks like leaked tokens (a client must never get that far) */
  readonly handler?: RequestListener;
}

/**
 * An HTTPS server on 127.0.0.1 with a freshly generated self-signed certificate that no trust
 * store knows (security catalog F-19: "an https IDP with an untrusted self-signed
 * certificate"). Every request it would receive is counted; a correct client never gets that
 * far. The certificate is made with the `openssl` command line tool.
 *
 * With `altNames` and a `handler` it also serves tests that trust its {@link certificate}
 * explicitly (e.g. client ID metadata documents fetched through a DNS stub).
 */
export class SelfSignedHttpsServer {
  hits = 0;
  private server: Server | undefined;
  private port = 0;
  private pem = '';

  constructor(private readonly options: SelfSignedHttpsOptions = {}) {}

  get origin(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** The port it listens on (127.0.0.1). */
  get listeningPort(): number {
    return this.port;
  }

  /** The certificate (PEM), for clients that should trust this server. */
  get certificate(): string {
    return this.pem;
  }

  async start(): Promise<this> {
    const dir = mkdtempSync(join(tmpdir(), 'upstream-tls-'));
    const altNames = this.options.altNames ?? ['IP:127.0.0.1'];
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          `subjectAltName=${altNames.join(',')}`,
        ],
        { stdio: 'ignore' },
      );
      const key = readFileSync(join(dir, 'key.pem'));
      const cert = readFileSync(join(dir, 'cert.pem'));
      this.pem = cert.toString('utf8');
      const handler: RequestListener =
        this.options.handler ??
        ((req, res) => {
          req.resume();
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end('{"access_token":"leaked","token_type":"bearer"}');
        });
      this.server = createServer({ key, cert }, (req, res) => {
        this.hits += 1;
        handler(req, res);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
