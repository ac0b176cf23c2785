import { createServer, type Server } from 'node:http';
import escapeHtml from 'escape-html';

/**
 * Another site on 127.0.0.1 (its own port, so its own origin) that tries to show a page of the
 * authorization server inside an iframe, as a clickjacking page would: `GET /?src=<url>`.
 */
export class FramingSite {
  private server: Server | undefined;
  private port = 0;

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The URL of a page that frames `target`. */
  framing(target: string): string {
    return `${this.origin}/?src=${encodeURIComponent(target)}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const src = new URL(req.url ?? '/', this.origin).searchParams.get('src') ?? 'about:blank';
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          `<!doctype html><html lang="en"><title>Win a prize</title><iframe id="target" title="framed page" src="${escapeHtml(src)}" width="800" height="600"></iframe></html>`,
        );
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
