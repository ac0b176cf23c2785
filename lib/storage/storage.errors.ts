import { McpAuthError, McpAuthHttpError } from '../core/errors/mcp-auth.error.js';

/**
 * The store cannot be reached or refused the operation (Redis down, paused, out of memory,
 * command timeout). Answered 503 `temporarily_unavailable`, so clients keep their credentials
 * and retry; the server keeps running and recovers when the store returns.
 *
 * The message is client-safe; the driver's error is the `cause`.
 * @publicApi
 */
export class StorageUnavailableError extends McpAuthHttpError {
  readonly code = 'ERR_MCP_AUTH_STORAGE_UNAVAILABLE';
  readonly error = 'temporarily_unavailable';
  readonly status = 503;

  constructor(
    message = 'Storage is temporarily unavailable',
    options?: { cause?: unknown },
    /** Seconds the client should wait before retrying. */
    readonly retryAfterSeconds = 5,
  ) {
    super(message, options);
  }
}

/** Why a sealed record could not be opened. */
export type RecordDecryptionReason = 'malformed' | 'unknown_key' | 'invalid' | 'context_mismatch';

/**
 * A sealed record could not be opened: it was altered, sealed for another store key (a swapped
 * record), or sealed with a key that is no longer configured. The record is unusable; callers
 * should treat it as absent (and the grant as needing re-authorization) and log it as an error,
 * because it means tampering or a missing key after a rotation.
 * @publicApi
 */
export class RecordDecryptionError extends McpAuthError {
  readonly code = 'ERR_MCP_AUTH_RECORD_DECRYPTION';

  constructor(
    message: string,
    /** Machine-readable reason. */
    readonly reason: RecordDecryptionReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A single flight ended without a result for this caller: the instance doing the work failed
 * (its HTTP status and OAuth error are carried over, or 503 for other failures), or the wait
 * for its result timed out (503).
 * @publicApi
 */
export class SingleFlightError extends McpAuthHttpError {
  readonly code = 'ERR_MCP_AUTH_SINGLE_FLIGHT';
  readonly status: number;
  readonly error: string | undefined;

  constructor(
    message: string,
    /** `failed`: the work failed on another instance; `timeout`: no result within the wait. */
    readonly reason: 'failed' | 'timeout',
    /** The HTTP status and OAuth error of the failure on the other instance. */
    answer: { status: number; error: string | undefined } = { status: 503, error: 'temporarily_unavailable' },
  ) {
    super(message);
    this.status = answer.status;
    this.error = answer.error;
  }
}
