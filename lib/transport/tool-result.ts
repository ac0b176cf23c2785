import { McpAuthHttpError } from '../core/errors/mcp-auth.error.js';
import { HttpException } from '@nestjs/common';
import type { CallToolResult } from '@modelcontextprotocol/server';

/**
 * Turns what a tool method returned into an MCP `CallToolResult`:
 * - a `CallToolResult` (an object with a `content` array) is passed through;
 * - a string becomes one text item;
 * - `undefined` becomes an empty result;
 * - any other value becomes its JSON as text, and a plain object is also returned as
 *   `structuredContent`.
 */
export function toCallToolResult(value: unknown): CallToolResult {
  if (isCallToolResult(value)) return value;
  if (value === undefined) return { content: [] };
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  const text = serialize(value);
  const structured = isPlainObject(value) ? { structuredContent: value } : {};
  return { content: [{ type: 'text', text }], ...structured };
}

/**
 * An `HttpException` thrown by a guard, a pipe (e.g. `ValidationPipe`) or the tool itself is a
 * tool error the model should see, not a protocol failure: `isError: true` with its message.
 */
export function httpExceptionToToolError(error: unknown): CallToolResult | undefined {
  if (!(error instanceof HttpException)) return undefined;
  const response = error.getResponse() as string | { message?: unknown; error_description?: unknown };
  const message =
    typeof response === 'string'
      ? response
      : Array.isArray(response.message)
        ? response.message.join('; ')
        : String(response.message ?? response.error_description ?? error.message);
  return { content: [{ type: 'text', text: message }], isError: true };
}

/**
 * A library error thrown inside a tool — typically from the proxy's upstream token accessor: the
 * provider refused to refresh (the grant is now revoked, so the client's next request gets 401 and
 * it signs in again), or it cannot be reached — is a tool error with the error's client-safe
 * description and code, never an internal error without explanation.
 */
export function authErrorToToolError(error: unknown): CallToolResult | undefined {
  if (!(error instanceof McpAuthHttpError)) return undefined;
  const code = error.error ? ` (${error.error})` : '';
  return { content: [{ type: 'text', text: `${error.description}${code}` }], isError: true };
}

function isCallToolResult(value: unknown): value is CallToolResult {
  return isPlainObject(value) && Array.isArray((value as { content?: unknown }).content);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** JSON when possible; values JSON cannot represent (bigint, cycles) fall back to their string. */
function serialize(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
