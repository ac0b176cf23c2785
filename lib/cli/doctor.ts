import { checkAuthorizationServer } from './doctor-authorization-server.js';
import { checkChallenge } from './doctor-challenge.js';
import { checkCors } from './doctor-cors.js';
import { DoctorHttp } from './doctor-http.js';
import { checkClientRegistration } from './doctor-registration.js';
import { DoctorChecks, type DoctorReport } from './doctor-report.js';
import { checkResourceMetadata } from './doctor-resource-metadata.js';
import type { DoctorRun } from './doctor-run.js';

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** Register throwaway clients at the authorization server. @default false */
  readonly register?: boolean;
  /** Per-request timeout. @default 10000 */
  readonly timeoutMs?: number;
  /** Largest response body read. @default 262144 (256 KiB) */
  readonly maxResponseBytes?: number;
  /** Extra CA certificates (PEM) to trust for https. */
  readonly ca?: string;
  /** `Origin` of the CORS probes. @default 'http://localhost:6274' (MCP Inspector's web UI) */
  readonly browserOrigin?: string;
}

export const DOCTOR_DEFAULTS = {
  timeoutMs: 10_000,
  maxResponseBytes: 256 * 1024,
  browserOrigin: 'http://localhost:6274',
} as const;

/**
 * Checks an MCP server's authorization discovery the way MCP clients perform it: the 401
 * challenge, RFC 9728 metadata at every URL form, the authorization server's RFC 8414 metadata,
 * registration and CORS. Contacts only the MCP server's origin and the authorization server's.
 *
 * @param mcpUrl - the MCP endpoint URL as users type it into their clients.
 * @throws TypeError when `mcpUrl` is not an absolute http(s) URL.
 */
export async function runDoctor(mcpUrl: string, options: DoctorOptions = {}): Promise<DoctorReport> {
  const url = new URL(mcpUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('the MCP URL must be http(s)');
  const http = new DoctorHttp({
    timeoutMs: options.timeoutMs ?? DOCTOR_DEFAULTS.timeoutMs,
    maxResponseBytes: options.maxResponseBytes ?? DOCTOR_DEFAULTS.maxResponseBytes,
    ca: options.ca,
  });
  http.allow(url);
  const run: DoctorRun = {
    mcpUrl: url,
    input: mcpUrl,
    http,
    checks: new DoctorChecks(),
    register: options.register ?? false,
    browserOrigin: options.browserOrigin ?? DOCTOR_DEFAULTS.browserOrigin,
  };
  const challenge = await checkChallenge(run);
  if (challenge.reachable) {
    const metadata = await checkResourceMetadata(run, challenge);
    const server = await checkAuthorizationServer(run, metadata.authorizationServer);
    await checkClientRegistration(run, server, challenge.scope);
    await checkCors(run, metadata, server);
  }
  return run.checks.report(mcpUrl, http.requests);
}
