import { createServer, type Server } from 'node:http';
import escapeHtml from 'escape-html';

/**
 * Another site on 127.0.0.1 (its own port, so its own origin): `GET /frame?src=<url>` shows a
 * page of the authorization server inside an iframe, as a clickjacking page would;
 * `GET /link?href=<url>` is a page with a link to it, as a site starting an authorization would.
 * Reached as `127.0.0.1` it is same-site with the app (ports do not make sites); reached as
 * `localhost` it is cross-site.
 */
export class OtherSite {
  private server: Server | undefined;
  private port = 0;

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The URL of a page that frames `target`. */
  framing(target: string): string {
    return `${this.origin}/frame?src=${encodeURIComponent(target)}`;
  }

  /** The URL of a page with a link (`Connect`) to `target`, on the same site or another one. */
  linking(target: string, site: 'same-site' | 'cross-site'): string {
    const host = site === 'same-site' ? '127.0.0.1' : 'localhost';
    return `http://${host}:${this.port}/link?href=${encodeURIComponent(target)}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', this.origin);
      const target = escapeHtml(url.searchParams.get(url.pathname === '/frame' ? 'src' : 'href') ?? 'about:blank');
      const body =
        url.pathname === '/frame'
          ? `<iframe id="target" title="framed page" src="${target}" width="800" height="600"></iframe>`
          : `<a href="${target}">Connect</a>`;
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><html lang="en"><title>Another site</title>${body}</html>`);
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
