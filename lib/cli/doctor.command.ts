import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from './cli-io.js';
import { describeFsError } from './cli-io.js';
import { CliError, CliUsageError } from './cli.error.js';
import { DOCTOR_DEFAULTS, runDoctor } from './doctor.js';
import { renderDoctorReport } from './doctor-report.js';
import { parseDuration } from './duration.util.js';
import { writeJson, writeLine } from './output.util.js';
import type { CliTopLevelCommand } from './run-cli.js';

/** Exit code when at least one check failed. */
export const DOCTOR_FAILED_EXIT_CODE = 1;

const HELP = `Usage: nestjs-mcp-auth doctor <mcp-url> [options]

Check an MCP server's OAuth discovery the way MCP clients perform it, and print what passes, what
deserves a look (WARN) and what breaks clients (FAIL, with the interop pitfall and the fix).

  1. the request without a token: 401, WWW-Authenticate with resource_metadata and scope, no
     error=; an invalid token: 401 invalid_token, never a 500
  2. protected resource metadata at the challenge's URL, the path-suffixed and the root URL:
     JSON, resource = the URL you gave, authorization_servers
  3. the authorization server's metadata where clients look for it: issuer byte for byte,
     response_types code, PKCE S256, https endpoints, RFC 9207 iss, public clients, DCR / CIMD
  4. with --register: a throwaway client registration (loopback and cursor:// redirect URIs)
  5. CORS for browser-based clients, WWW-Authenticate exposed on the MCP endpoint

Only the MCP server's origin and its authorization server's origin are contacted; redirects are
not followed.

Options:
  --json              print the report as JSON
  --register          register throwaway clients (the server keeps them unless it supports RFC 7592)
  --timeout <time>    per-request timeout: 10, 10s, 1m (default: 10s)
  --ca <file>         also trust this CA certificate (PEM) for https
  --origin <origin>   Origin of the CORS probes (default: ${DOCTOR_DEFAULTS.browserOrigin}, MCP Inspector)
  -h, --help          show this help

Exit codes: 0 when no check failed (warnings allowed), ${DOCTOR_FAILED_EXIT_CODE} when one failed, 2 for usage errors.

Example:
  npx nestjs-mcp-auth doctor https://mcp.example.com/mcp
`;

interface DoctorArgs {
  readonly url: string;
  readonly json: boolean;
  readonly register: boolean;
  readonly timeoutMs: number;
  readonly ca?: string;
  readonly origin: string;
}

/**
 * Validates the arguments of `doctor`.
 * @returns the options, or `undefined` for `--help`.
 * @throws CliUsageError naming the offending argument.
 */
export function parseDoctorArgs(args: string[]): DoctorArgs | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        json: { type: 'boolean' },
        register: { type: 'boolean' },
        timeout: { type: 'string' },
        ca: { type: 'string' },
        origin: { type: 'string' },
      },
    });
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return undefined;
  if (positionals.length !== 1) {
    throw new CliUsageError(
      positionals.length === 0 ? 'the MCP URL is required' : `one MCP URL expected (got ${positionals.length})`,
    );
  }
  const [url] = positionals;
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) {
    throw new CliUsageError(`the MCP URL must be an absolute http(s) URL (got "${url}")`);
  }
  const origin = values.origin ?? DOCTOR_DEFAULTS.browserOrigin;
  if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
    throw new CliUsageError(`--origin must be an origin such as http://localhost:6274 (got "${origin}")`);
  }
  return {
    url,
    json: values.json ?? false,
    register: values.register ?? false,
    timeoutMs: parseDuration(values.timeout ?? '10s', '--timeout') * 1000,
    ca: values.ca,
    origin,
  };
}

async function run(args: string[], io: CliIo): Promise<number> {
  const options = parseDoctorArgs(args);
  if (options === undefined) {
    writeLine(io.stdout, HELP);
    return 0;
  }
  let ca: string | undefined;
  if (options.ca !== undefined) {
    try {
      ca = await io.readFile(resolve(io.cwd, options.ca));
    } catch (error) {
      throw new CliError(`cannot read --ca "${options.ca}": ${describeFsError(error)}`);
    }
  }
  const report = await runDoctor(options.url, {
    register: options.register,
    timeoutMs: options.timeoutMs,
    ca,
    browserOrigin: options.origin,
  });
  if (options.json) writeJson(io.stdout, report);
  else io.stdout.write(renderDoctorReport(report));
  return report.ok ? 0 : DOCTOR_FAILED_EXIT_CODE;
}

/** `doctor <mcp-url>`. */
export const doctorCommand: CliTopLevelCommand = {
  name: 'doctor',
  summary: "Check an MCP server's OAuth discovery as clients do (doctor <mcp-url>)",
  run,
};
