import { connect } from 'node:net';

/** Outcome of a hand-written HTTP/1.1 exchange. */
export interface RawResponse {
  /** Status code, or `undefined` when the server closed the socket without answering. */
  status: number | undefined;
  /** Response headers, names lower-cased. */
  headers: Record<string, string>;
  body: string;
  /** The socket was reset or closed before a complete status line arrived. */
  closedWithoutResponse: boolean;
}

export interface RawRequest {
  port: number;
  method?: string;
  path: string;
  /** Header lines written verbatim (name and value are not validated, unlike `http.request`). */
  headers: Array<[string, string]>;
  body?: string;
  /** Give up after this many milliseconds (the result then has no status). @default 5000 */
  timeoutMs?: number;
}

/**
 * Sends one HTTP/1.1 request over a raw TCP socket to 127.0.0.1 and reads the answer until the
 * server closes the connection (`Connection: close`). Used for inputs that Node's HTTP client
 * refuses to send: oversized headers, control characters in header values (security catalog
 * V-33, T-02).
 */
export function rawHttp(request: RawRequest): Promise<RawResponse> {
  const { port, method = 'POST', path, headers, body = '', timeoutMs = 5000 } = request;
  const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close'];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  if (body !== '' || method === 'POST') lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  const payload = `${lines.join('\r\n')}\r\n\r\n${body}`;

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    const finish = () => {
      clearTimeout(timer);
      resolve(parseResponse(Buffer.concat(chunks).toString('latin1')));
    };
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    // A server that refuses the request may reset the socket while we are still writing.
    socket.on('error', () => undefined);
    socket.on('close', finish);
    socket.write(payload);
  });
}

function parseResponse(text: string): RawResponse {
  const headerEnd = text.indexOf('\r\n\r\n');
  const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (!statusLine || headerEnd === -1) {
    return { status: undefined, headers: {}, body: '', closedWithoutResponse: true };
  }
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, headerEnd).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(statusLine[1]),
    headers,
    body: text.slice(headerEnd + 4),
    closedWithoutResponse: false,
  };
}
