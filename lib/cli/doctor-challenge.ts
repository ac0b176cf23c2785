import { DOCTOR_PROTOCOL_VERSION, parseAbsoluteUrl, urlSecurity, type DoctorRun } from './doctor-run.js';

/** What the 401 challenge told the doctor. */
export interface ChallengeFindings {
  /** The MCP endpoint answered at all. */
  readonly reachable: boolean;
  /** `resource_metadata` of the challenge, when it is an absolute URL. */
  readonly resourceMetadataUrl?: string;
  /** `scope` of the challenge. */
  readonly scope?: string;
}

/** A token no server can accept, well-formed per RFC 6750 (token68), sent to provoke 401 invalid_token. */
export const GARBAGE_TOKEN = 'nestjs-mcp-auth-doctor.not-a-valid-token';

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: DOCTOR_PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'nestjs-mcp-auth-doctor', version: '1' },
  },
});

/** Headers of an MCP client's first POST. */
export function mcpPostHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': DOCTOR_PROTOCOL_VERSION,
    ...extra,
  };
}

/** Sends the MCP `initialize` request clients start with. */
export function postInitialize(run: DoctorRun, headers: Record<string, string> = {}) {
  return run.http.request(run.input, { method: 'POST', headers: mcpPostHeaders(headers), body: INITIALIZE });
}

/**
 * The URL itself, then what clients see first: `initialize` without a token must answer 401 with
 * `WWW-Authenticate: Bearer resource_metadata="…", scope="…"` and no `error`; a garbage token must
 * answer 401 `invalid_token`, never a 500 (P11).
 */
export async function checkChallenge(run: DoctorRun): Promise<ChallengeFindings> {
  const { checks } = run;
  switch (urlSecurity(run.input)) {
    case 'https':
      checks.pass('url', 'url.https', 'served over HTTPS');
      break;
    case 'loopback-http':
      checks.warn(
        'url',
        'url.https',
        'plain http on a loopback host: fine for local clients; hosted clients such as Claude and ChatGPT need a public https URL',
      );
      break;
    default:
      checks.fail(
        'url',
        'url.https',
        'plain http on a non-loopback host: tokens travel in clear text and hosted clients refuse it',
        {
          fix: 'serve the MCP endpoint over TLS (terminate TLS at your proxy) and advertise the https URL',
        },
      );
  }

  const response = await postInitialize(run);
  if (!response.ok) {
    checks.fail('challenge', 'challenge.status', `cannot reach ${run.input}: ${response.error}`);
    return { reachable: false };
  }
  if (response.status !== 401) {
    checks.fail('challenge', 'challenge.status', statusProblem(response.status, response.headers.location), {
      fix: 'answer every request without a valid token with 401 and a WWW-Authenticate: Bearer challenge',
    });
  } else {
    checks.pass('challenge', 'challenge.status', '401 for a request without a token');
  }

  const findings = checkHeader(run, response.status, response.headers['www-authenticate']);
  await checkGarbageToken(run);
  return findings;
}

function statusProblem(status: number, location: string | undefined): string {
  if (status >= 200 && status < 300) return `answered ${status} without a token: the endpoint is not protected`;
  if (status >= 300 && status < 400) {
    return `redirects (${status}) to ${location ?? 'nowhere'}: MCP clients do not follow redirects to login pages; they need a 401`;
  }
  if (status === 403) return '403 without a token: clients start OAuth only on 401';
  if (status === 404 || status === 405) return `answered ${status}: is this the URL of the MCP endpoint?`;
  return `answered ${status} instead of 401`;
}

function checkHeader(run: DoctorRun, status: number, header: string | undefined): ChallengeFindings {
  const { checks } = run;
  const fixHeader = 'send WWW-Authenticate: Bearer resource_metadata="<metadata URL>", scope="<scopes>" with every 401';
  if (header === undefined) {
    checks.fail('challenge', 'challenge.www-authenticate', `the ${status} has no WWW-Authenticate header`, {
      pitfall: 'P2',
      fix: fixHeader,
    });
    return { reachable: true };
  }
  const params = parseBearerChallenge(header);
  if (params === undefined) {
    checks.fail('challenge', 'challenge.www-authenticate', `WWW-Authenticate is not a Bearer challenge: ${header}`, {
      pitfall: 'P2',
      fix: fixHeader,
    });
    return { reachable: true };
  }
  checks.pass('challenge', 'challenge.www-authenticate', `WWW-Authenticate: ${header}`);

  let resourceMetadataUrl: string | undefined;
  const pointer = params.resource_metadata;
  if (pointer === undefined) {
    checks.fail('challenge', 'challenge.resource-metadata', 'the challenge has no resource_metadata parameter', {
      pitfall: 'P2',
      fix: 'add resource_metadata="<RFC 9728 metadata URL>": several clients find the metadata only this way',
    });
  } else if (parseAbsoluteUrl(pointer) === undefined) {
    checks.fail('challenge', 'challenge.resource-metadata', `resource_metadata is not an absolute URL: ${pointer}`, {
      pitfall: 'P2',
      fix: 'use the absolute https URL of the metadata document',
    });
  } else {
    resourceMetadataUrl = pointer;
    checks.pass('challenge', 'challenge.resource-metadata', `resource_metadata points to ${pointer}`);
  }

  if (params.scope === undefined) {
    checks.warn(
      'challenge',
      'challenge.scope',
      'no scope parameter: clients then request every scope in scopes_supported, or none',
      { fix: 'add scope="<scopes the request needs>" (MCP 2025-11-25)' },
    );
  } else {
    checks.pass('challenge', 'challenge.scope', `scope="${params.scope}"`);
  }

  if (params.error !== undefined) {
    checks.warn('challenge', 'challenge.no-error', `error="${params.error}" although the request carried no token`, {
      fix: 'omit error= when no credentials were sent (RFC 6750 §3.1); use invalid_token only for rejected tokens',
    });
  } else {
    checks.pass('challenge', 'challenge.no-error', 'no error code for a request without credentials (RFC 6750 §3.1)');
  }
  return { reachable: true, resourceMetadataUrl, scope: params.scope };
}

async function checkGarbageToken(run: DoctorRun): Promise<void> {
  const { checks } = run;
  const id = 'challenge.invalid-token';
  const response = await postInitialize(run, { authorization: `Bearer ${GARBAGE_TOKEN}` });
  if (!response.ok) {
    checks.fail('challenge', id, `a request with an invalid token got no answer: ${response.error}`);
    return;
  }
  const params = parseBearerChallenge(response.headers['www-authenticate'] ?? '');
  const fix =
    'answer every rejected token with 401 and error="invalid_token" (503 only when the verifier cannot decide)';
  if (response.status >= 500 && response.status !== 503) {
    checks.fail(
      'challenge',
      id,
      `an invalid token gets ${response.status}: clients never re-authenticate after a 5xx`,
      {
        pitfall: 'P11',
        fix,
      },
    );
  } else if (response.status === 503) {
    checks.warn(
      'challenge',
      id,
      'an invalid token gets 503: the verifier could not decide (is its key or introspection endpoint down?)',
    );
  } else if (response.status >= 200 && response.status < 300) {
    checks.fail('challenge', id, `an invalid token was accepted (${response.status})`, {
      fix: 'verify every token: signature, issuer, audience and expiry',
    });
  } else if (response.status !== 401) {
    checks.fail('challenge', id, `an invalid token gets ${response.status}: clients re-authenticate only on 401`, {
      pitfall: 'P11',
      fix,
    });
  } else if (params?.error !== 'invalid_token') {
    checks.warn('challenge', id, '401 for an invalid token, but without error="invalid_token"', { fix });
  } else {
    checks.pass('challenge', id, '401 error="invalid_token" for an invalid token');
  }
}

/**
 * The auth-params of the `Bearer` challenge in a `WWW-Authenticate` value (quoted strings
 * unescaped), or `undefined` when there is no Bearer challenge.
 */
export function parseBearerChallenge(header: string): Record<string, string> | undefined {
  const start = /(?:^|,)\s*Bearer(?:\s+|$)/i.exec(header);
  if (!start) return undefined;
  const params: Record<string, string> = {};
  const pattern = /\s*,?\s*([A-Za-z][\w-]*)\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s,]*)/y;
  pattern.lastIndex = start.index + start[0].length;
  for (let match = pattern.exec(header); match; match = pattern.exec(header)) {
    const name = match[1].toLowerCase();
    if (!Object.hasOwn(params, name))
      params[name] = match[3] !== undefined ? match[3].replace(/\\(.)/g, '$1') : match[2];
  }
  return params;
}
