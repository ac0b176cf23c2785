/**
 * Base class of every error the library throws. Each subclass has a stable machine `code`
 * (`ERR_MCP_AUTH_*`) and, where it reaches a client, the RFC `error` value and HTTP status.
 *
 * @publicApi
 */
export abstract class McpAuthError extends Error {
  /** Stable machine-readable code, e.g. `ERR_MCP_AUTH_INVALID_TOKEN`. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * An error that is answered to an HTTP client: it carries the OAuth `error` code (RFC 6749 /
 * RFC 6750 / RFC 7591), the HTTP status and a client-safe `error_description`.
 *
 * @publicApi
 */
export abstract class McpAuthHttpError extends McpAuthError {
  /**
   * The RFC error code sent as `error`, e.g. `invalid_token`; `undefined` when the RFC says to
   * send none (a request without credentials, RFC 6750 §3.1).
   */
  abstract readonly error: string | undefined;
  /** HTTP status of the response. */
  abstract readonly status: number;

  /** Client-safe description; the message without characters RFC 6750 §3 forbids. */
  get description(): string {
    return sanitizeErrorDescription(this.message);
  }
}

/**
 * RFC 6750 §3 restricts `error_description` to %x20-21 / %x23-5B / %x5D-7E: printable ASCII
 * without `"` and `\`. Anything else is replaced, so no description can break a header or
 * smuggle control characters (security catalog I-6).
 */
export function sanitizeErrorDescription(text: string): string {
  return text.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, ' ').slice(0, 300);
}
