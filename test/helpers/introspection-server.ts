import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** Overrides of the introspection endpoint's answer (faults). */
export interface IntrospectionBehaviour {
  /** Answer with this status (and `body`) instead of the RFC 7662 response. */
  status?: number;
  /** Raw body to send instead of the RFC 7662 response. */
  body?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Destroy the socket without answering. */
  drop?: boolean;
  /** Answer 200 and stream JSON-looking bytes forever (until the client goes away). */
  endless?: boolean;
  headers?: Record<string, string>;
}

/** What one introspection request carried, as the authorization server understood it. */
export interface IntrospectionCall {
  /** How the client authenticated; `invalid` for an unparsable or doubled authentication. */
  auth: 'basic' | 'post' | 'none' | 'invalid';
  clientId?: string;
  clientSecret?: string;
  /** The raw `Authorization` header, to check its encoding byte for byte. */
  authorization?: string;
  token?: string;
  tokenTypeHint?: string;
  contentType?: string;
  accept?: string;
}

/**
 * An RFC 7662 token introspection endpoint on 127.0.0.1 (`POST /introspect`), the authorization
 * server of the introspection level's tests.
 *
 * It authenticates its one registered client with `client_secret_basic` (credentials
 * form-encoded inside Basic, RFC 6749 §2.3.1) or `client_secret_post`, answers `active: true`
 * plus the registered claims for known tokens and `{"active":false}` for anything else, and
 * records every request. `behaviour` replaces the answer to simulate faults.
 */
export class IntrospectionServer {
  hits = 0;
  readonly calls: IntrospectionCall[] = [];
  client = { id: 'resource-server', secret: 'resource-server-secret' };
  /** Claims of active tokens, by token string. */
  readonly tokens = new Map<string, Record<string, unknown>>();
  behaviour: IntrospectionBehaviour = {};
  private server: Server | undefined;
  private port = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  get url(): string {
    return `http://127.0.0.1:${this.port}/introspect`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url !== '/introspect' || req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    this.hits += 1;
    const form = new URLSearchParams(await readBody(req));
    const call = this.record(req, form);
    const { status, body, delayMs = 0, drop, endless, headers = {} } = this.behaviour;
    if (delayMs > 0) await this.sleep(delayMs);
    if (drop) {
      req.socket.destroy();
      return;
    }
    if (res.destroyed) return;
    if (endless) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"active":true,"padding":"');
      while (!res.destroyed) {
        res.write('x'.repeat(16 * 1024));
        await this.sleep(5);
      }
      return;
    }
    if (status !== undefined || body !== undefined) {
      res.writeHead(status ?? 200, { 'content-type': 'application/json', ...headers }).end(body ?? '');
      return;
    }
    if (call.auth === 'invalid' || call.auth === 'none') {
      return json(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="introspection"' });
    }
    if (call.clientId !== this.client.id || call.clientSecret !== this.client.secret) {
      return json(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="introspection"' });
    }
    const claims = call.token === undefined ? undefined : this.tokens.get(call.token);
    json(res, 200, claims ? { active: true, ...claims } : { active: false });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private record(req: IncomingMessage, form: URLSearchParams): IntrospectionCall {
    const authorization = req.headers.authorization;
    const call: IntrospectionCall = {
      auth: 'none',
      authorization,
      token: form.get('token') ?? undefined,
      tokenTypeHint: form.get('token_type_hint') ?? undefined,
      contentType: req.headers['content-type'],
      accept: req.headers.accept,
    };
    const postId = form.get('client_id');
    const postSecret = form.get('client_secret');
    if (authorization !== undefined) {
      const basic = parseBasic(authorization);
      // RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request.
      call.auth = basic === undefined || postSecret !== null ? 'invalid' : 'basic';
      if (basic) [call.clientId, call.clientSecret] = basic;
    } else if (postId !== null && postSecret !== null) {
      call.auth = 'post';
      call.clientId = postId;
      call.clientSecret = postSecret;
    }
    this.calls.push(call);
    return call;
  }
}

/** RFC 6749 §2.3.1: `Basic base64(formEncode(id) ":" formEncode(secret))`. */
function parseBasic(header: string): [string, string] | undefined {
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  try {
    return [formDecode(decoded.slice(0, colon)), formDecode(decoded.slice(colon + 1))];
  } catch {
    return undefined;
  }
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
