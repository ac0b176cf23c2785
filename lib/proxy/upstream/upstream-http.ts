import { readCapped, ResponseTooLargeError } from '../../verifiers/read-capped.js';
import {
  UpstreamProtocolError,
  UpstreamTransientError,
  type UpstreamFailureReason,
  type UpstreamOperation,
} from './upstream.errors.js';

/** The `fetch` the upstream client uses (global `fetch` by default). @publicApi */
export type UpstreamFetch = (input: string | URL, init: RequestInit) => Promise<Response>;

/** A complete upstream answer: status, headers and the body read with a size cap. @publicApi */
export interface UpstreamHttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** Transport settings of {@link UpstreamHttp}. @publicApi */
export interface UpstreamHttpOptions {
  /** Whole-exchange deadline (connect, headers and body), in milliseconds. */
  readonly timeoutMs: number;
  /** `User-Agent` sent upstream (GitHub's REST API refuses requests without one). */
  readonly userAgent: string;
  readonly fetch?: UpstreamFetch;
}

/** Seconds a client waits after a transient failure when the upstream said nothing. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;
/** Longest `Retry-After` passed on to clients; larger values are capped. */
export const MAX_RETRY_AFTER_SECONDS = 3600;

const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);

/**
 * HTTP to the upstream identity provider: global `fetch` (undici) with `redirect: 'manual'`, one
 * `AbortSignal.timeout` covering the whole exchange including the body, a body size cap, and
 * every transport failure (DNS, refused or reset connection, TLS, timeout) turned into an
 * {@link UpstreamTransientError} whose message names neither the host nor the URL (security
 * catalog F-19). Certificates are verified by Node's default trust store; nothing here relaxes
 * that (a corporate CA belongs in `NODE_EXTRA_CA_CERTS`). Custom identity resolvers receive
 * one in their context.
 *
 * @publicApi
 */
export class UpstreamHttp {
  private readonly fetch: UpstreamFetch;

  constructor(private readonly options: UpstreamHttpOptions) {
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /**
   * Sends one request and reads the answer (any status).
   * @throws UpstreamTransientError when no complete answer arrived in time.
   * @throws UpstreamProtocolError when the body is larger than `maxBytes`.
   */
  async request(
    operation: UpstreamOperation,
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string },
    maxBytes: number,
  ): Promise<UpstreamHttpResponse> {
    try {
      const response = await this.fetch(url, {
        method: init.method,
        headers: { 'user-agent': this.options.userAgent, ...init.headers },
        body: init.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const text = await readCapped(response, maxBytes);
      return { status: response.status, headers: response.headers, text };
    } catch (error) {
      if (error instanceof ResponseTooLargeError) {
        throw new UpstreamProtocolError('The identity provider answered with an oversized response', {
          operation,
          reason: 'malformed_response',
          cause: error,
        });
      }
      const reason = transportFailureReason(error);
      throw new UpstreamTransientError(TRANSPORT_MESSAGES[reason], { operation, reason, cause: error });
    }
  }
}

const TRANSPORT_MESSAGES: Record<'timeout' | 'dns' | 'tls' | 'connection', string> = {
  timeout: 'The identity provider did not answer in time',
  dns: 'The identity provider could not be reached (name resolution failed)',
  tls: 'The identity provider could not be reached (secure connection failed)',
  connection: 'The identity provider could not be reached',
};

/** Classifies a `fetch` rejection: a timeout, a DNS failure, a TLS failure, or another network error. */
export function transportFailureReason(error: unknown): 'timeout' | 'dns' | 'tls' | 'connection' {
  // Duck typing, not instanceof: undici's errors and DOMException may come from another realm.
  let current: unknown = error;
  for (let depth = 0; typeof current === 'object' && current !== null && depth < 5; depth++) {
    const { name, code, cause } = current as { name?: unknown; code?: unknown; cause?: unknown };
    if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
    if (typeof code === 'string') {
      if (DNS_CODES.has(code)) return 'dns';
      if (TLS_CODE.test(code)) return 'tls';
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
        return 'timeout';
      }
    }
    current = cause;
  }
  return 'connection';
}

/**
 * Reads `Retry-After` (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) as whole seconds in
 * [1, {@link MAX_RETRY_AFTER_SECONDS}]; `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  let seconds: number;
  if (/^\d+$/.test(trimmed)) {
    seconds = Number(trimmed);
  } else {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date) || !/[a-z]/i.test(trimmed)) return undefined;
    seconds = Math.ceil((date - nowMs) / 1000);
  }
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, seconds));
}

/**
 * The transient failure an HTTP status means, if any: 5xx (`unavailable`) and 429
 * (`rate_limited`), with the upstream's `Retry-After` when it sent one.
 */
export function transientStatusError(
  operation: UpstreamOperation,
  response: UpstreamHttpResponse,
  nowMs: number,
): UpstreamTransientError | undefined {
  const { status } = response;
  if (status !== 429 && (status < 500 || status > 599)) return undefined;
  const reason: UpstreamFailureReason = status === 429 ? 'rate_limited' : 'unavailable';
  return new UpstreamTransientError(
    status === 429 ? 'The identity provider is rate limiting requests' : 'The identity provider is unavailable',
    { operation, reason, upstreamStatus: status },
    parseRetryAfter(response.headers.get('retry-after'), nowMs) ?? DEFAULT_RETRY_AFTER_SECONDS,
  );
}

/** Parses a JSON object body; `undefined` for anything else (HTML, form encoding, truncation, arrays). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
