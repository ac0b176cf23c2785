import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Limits of every request the doctor sends. */
export interface DoctorHttpOptions {
  /** Give up on a request (connect, headers and body) after this many milliseconds. */
  readonly timeoutMs: number;
  /** Refuse response bodies larger than this. */
  readonly maxResponseBytes: number;
  /** Extra trusted CA certificates (PEM) for https, e.g. a staging CA. */
  readonly ca?: string;
}

/** A response, with header names lower-cased and repeated headers joined by `, `. */
export interface DoctorResponse {
  readonly ok: true;
  readonly url: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A request that produced no response. */
export interface DoctorNetworkFailure {
  readonly ok: false;
  readonly url: string;
  readonly error: string;
}

export type DoctorResult = DoctorResponse | DoctorNetworkFailure;

/** One line of the request log shown in `--json` output. */
export interface DoctorRequestRecord {
  readonly method: string;
  readonly url: string;
  readonly status?: number;
  readonly error?: string;
}

/**
 * The doctor's only way onto the network. It contacts only origins it was allowed to (the MCP
 * server's, then the authorization server's the metadata names), follows no redirects, bounds
 * time and size, and records every request.
 */
export class DoctorHttp {
  readonly requests: DoctorRequestRecord[] = [];
  private readonly origins = new Set<string>();

  constructor(private readonly options: DoctorHttpOptions) {}

  /** Allows requests to the origin of `url`. */
  allow(url: string | URL): void {
    this.origins.add(new URL(url).origin);
  }

  /** Whether `url` is on an allowed origin (and http or https). */
  isAllowed(url: string): boolean {
    try {
      const parsed = new URL(url);
      return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && this.origins.has(parsed.origin);
    } catch {
      return false;
    }
  }

  async request(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<DoctorResult> {
    const method = init.method ?? 'GET';
    if (!this.isAllowed(url)) {
      return { ok: false, url, error: 'not contacted: outside the MCP server and its authorization server' };
    }
    const result = await this.send(new URL(url), method, init.headers ?? {}, init.body);
    this.requests.push(result.ok ? { method, url, status: result.status } : { method, url, error: result.error });
    return result;
  }

  private send(url: URL, method: string, headers: Record<string, string>, body?: string): Promise<DoctorResult> {
    const { timeoutMs, maxResponseBytes, ca } = this.options;
    const href = url.href;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: DoctorResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const fail = (error: string) => finish({ ok: false, url: href, error });
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(
        url,
        {
          method,
          agent: false,
          headers: {
            'user-agent': 'nestjs-mcp-auth-doctor',
            ...headers,
            ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
          },
          ...(ca ? { ca } : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxResponseBytes) {
              request.destroy();
              fail(`response larger than ${maxResponseBytes} bytes`);
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () =>
            finish({
              ok: true,
              url: href,
              status: response.statusCode ?? 0,
              headers: flattenHeaders(response.headers),
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', (error) => fail(error.message));
        },
      );
      const timer = setTimeout(() => {
        request.destroy();
        fail(`no answer within ${timeoutMs} ms`);
      }, timeoutMs);
      request.on('error', (error: NodeJS.ErrnoException) =>
        fail(error.code ? `${error.code}: ${error.message}` : error.message),
      );
      request.end(body);
    });
  }
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
