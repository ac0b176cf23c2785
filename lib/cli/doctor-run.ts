import { isLoopbackUrl } from '../core/resource-url.js';
import type { DoctorHttp, DoctorResponse, DoctorResult } from './doctor-http.js';
import type { DoctorChecks } from './doctor-report.js';

/** The MCP protocol revision announced on discovery requests, as SDK clients do. */
export const DOCTOR_PROTOCOL_VERSION = '2025-11-25';

/** What every step of a doctor run shares. */
export interface DoctorRun {
  /** The MCP endpoint URL as given (what users type into their clients). */
  readonly mcpUrl: URL;
  readonly input: string;
  readonly http: DoctorHttp;
  readonly checks: DoctorChecks;
  /** Register throwaway clients (`--register`). */
  readonly register: boolean;
  /** `Origin` sent on CORS probes: a browser-based client's (MCP Inspector's web UI by default). */
  readonly browserOrigin: string;
}

/** A JSON object read from a response, or why it could not be read. */
export type JsonDocument =
  | { readonly ok: true; readonly value: Record<string, unknown>; readonly contentTypeOk: boolean }
  | { readonly ok: false; readonly problem: string; readonly html: boolean };

/** Reads a `200` answer as a JSON object, telling HTML (an SPA catch-all, P3) apart. */
export function readJsonObject(response: DoctorResponse): JsonDocument {
  const contentType = response.headers['content-type'] ?? '';
  const html = /html/i.test(contentType) || /^\s*</.test(response.body);
  if (html)
    return {
      ok: false,
      html: true,
      problem: `answered ${response.status} with HTML (${contentType || 'no content type'})`,
    };
  let value: unknown;
  try {
    value = JSON.parse(response.body);
  } catch {
    return { ok: false, html: false, problem: `answered ${response.status} with a body that is not JSON` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, html: false, problem: `answered ${response.status} with JSON that is not an object` };
  }
  return {
    ok: true,
    value: value as Record<string, unknown>,
    contentTypeOk: /^application\/([\w.+-]*\+)?json\b/i.test(contentType),
  };
}

/** One-line description of an outcome that is not a usable 200, for messages. */
export function describeOutcome(result: DoctorResult): string {
  if (!result.ok) return result.error;
  if (result.status >= 300 && result.status < 400) {
    return `redirects (${result.status}) to ${result.headers.location ?? 'nowhere'}; clients do not follow it`;
  }
  return `answers ${result.status}`;
}

/** `https`, or `http` on a loopback host (tolerated by clients for local development). */
export function urlSecurity(url: string): 'https' | 'loopback-http' | 'http' | 'invalid' {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'invalid';
  }
  if (parsed.protocol === 'https:') return 'https';
  if (parsed.protocol !== 'http:') return 'invalid';
  return isLoopbackUrl(parsed) ? 'loopback-http' : 'http';
}

/** An absolute http(s) URL, or `undefined`. */
export function parseAbsoluteUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}
