import { metadataLocations } from '../core/authorization-server-discovery.js';
import {
  describeOutcome,
  DOCTOR_PROTOCOL_VERSION,
  parseAbsoluteUrl,
  readJsonObject,
  urlSecurity,
  type DoctorRun,
} from './doctor-run.js';

/** The authorization server metadata clients would use. */
export interface ServerFindings {
  readonly issuer: string;
  readonly metadata: Record<string, unknown>;
  readonly metadataUrl: string;
}

const ENDPOINTS = [
  'authorization_endpoint',
  'token_endpoint',
  'registration_endpoint',
  'revocation_endpoint',
  'introspection_endpoint',
  'jwks_uri',
] as const;

/**
 * Finds the metadata of `authorization_servers[0]` at the locations clients try, in their order
 * (RFC 8414 path insertion, then OpenID Connect discovery; P7, P18), and checks what clients
 * need from it: the exact issuer (P5), `code` and S256, absolute https endpoints (P9), RFC 9207
 * `iss` support, public clients, and a way to register (DCR or CIMD).
 */
export async function checkAuthorizationServer(
  run: DoctorRun,
  issuer: string | undefined,
): Promise<ServerFindings | undefined> {
  if (issuer === undefined) {
    run.checks.skip('server', 'server.discovery', 'no authorization server to check (see the metadata checks above)');
    return undefined;
  }
  run.http.allow(issuer);
  const found = await discover(run, issuer);
  if (found === undefined) return undefined;
  const { metadata } = found;
  checkIssuer(run, issuer, metadata.issuer);
  checkResponseTypes(run, metadata.response_types_supported);
  checkPkce(run, metadata.code_challenge_methods_supported);
  checkEndpoints(run, metadata);
  checkIssParameter(run, metadata.authorization_response_iss_parameter_supported);
  checkTokenAuthMethods(run, metadata);
  checkRegistration(run, metadata);
  return found;
}

async function discover(run: DoctorRun, issuer: string): Promise<ServerFindings | undefined> {
  const { checks } = run;
  const id = 'server.discovery';
  const locations = metadataLocations(issuer);
  const misses: string[] = [];
  for (const url of locations) {
    const result = await run.http.request(url, {
      headers: { accept: 'application/json', 'mcp-protocol-version': DOCTOR_PROTOCOL_VERSION },
    });
    if (result.ok && result.status >= 500) {
      checks.fail('server', id, `${url} answers ${result.status}: SDK clients stop at the first 5xx`, {
        fix: 'make the metadata endpoint answer 200 (or 404 where there is no document)',
      });
      return undefined;
    }
    if (!result.ok || result.status !== 200) {
      misses.push(`${url} ${describeOutcome(result)}`);
      continue;
    }
    const json = readJsonObject(result);
    if (!json.ok) {
      checks.fail('server', id, `${url} ${json.problem}: clients cannot parse it`, {
        pitfall: json.html ? 'P3' : undefined,
        fix: 'serve the metadata as JSON, or a 404 where there is none',
      });
      return undefined;
    }
    const kind = url.includes('/oauth-authorization-server') ? 'RFC 8414' : 'OpenID Connect discovery';
    const after = misses.length > 0 ? ` after ${misses.length} location(s) without it` : '';
    checks.pass('server', id, `metadata found at ${url} (${kind})${after}`);
    return { issuer, metadata: json.value, metadataUrl: url };
  }
  const misplaced = await findMisplaced(run, issuer, locations);
  const hasPath = new URL(issuer).pathname.replace(/\/+$/, '') !== '';
  if (misplaced !== undefined) {
    checks.fail('server', id, `metadata for ${issuer} is served at ${misplaced}, where clients do not look`, {
      pitfall: 'P7',
      fix: `serve it at ${locations[0]} (RFC 8414 inserts /.well-known/oauth-authorization-server between the host and the issuer's path)`,
    });
  } else {
    checks.fail('server', id, `no metadata for ${issuer}: ${misses.join('; ')}`, {
      pitfall: hasPath ? 'P7' : undefined,
      fix: `serve RFC 8414 metadata at ${locations[0]} (or OpenID Connect discovery at ${locations[1]})`,
    });
  }
  return undefined;
}

/** Where servers (and some clients) wrongly put a path issuer's metadata. */
async function findMisplaced(run: DoctorRun, issuer: string, tried: string[]): Promise<string | undefined> {
  const url = new URL(issuer);
  const candidates = [
    `${issuer.replace(/\/+$/, '')}/.well-known/oauth-authorization-server`,
    `${url.origin}/.well-known/oauth-authorization-server`,
  ].filter((candidate) => !tried.includes(candidate));
  for (const candidate of candidates) {
    const result = await run.http.request(candidate, { headers: { accept: 'application/json' } });
    if (result.ok && result.status === 200) {
      const json = readJsonObject(result);
      if (json.ok && json.value.issuer === issuer) return candidate;
    }
  }
  return undefined;
}

function checkIssuer(run: DoctorRun, expected: string, actual: unknown): void {
  const id = 'server.issuer';
  if (actual === expected) {
    run.checks.pass('server', id, `issuer is ${expected}, byte for byte the advertised authorization server`);
    return;
  }
  const slash =
    typeof actual === 'string' && actual.replace(/\/+$/, '') === expected.replace(/\/+$/, '')
      ? ' (they differ by a trailing slash)'
      : '';
  run.checks.fail(
    'server',
    id,
    `issuer ${JSON.stringify(actual)} ≠ authorization_servers[0] ${JSON.stringify(expected)}${slash}: SDK v2 clients and MCP Inspector stop with IssuerMismatchError`,
    {
      pitfall: 'P5',
      fix: `advertise the issuer exactly as the metadata spells it: authorization_servers: [${JSON.stringify(actual)}]`,
    },
  );
}

function checkResponseTypes(run: DoctorRun, types: unknown): void {
  const id = 'server.response-types';
  if (Array.isArray(types) && types.includes('code')) {
    run.checks.pass('server', id, 'response_types_supported includes code');
  } else {
    run.checks.fail(
      'server',
      id,
      `response_types_supported ${types === undefined ? 'is missing' : 'lacks code'}: SDK clients refuse the metadata`,
      {
        fix: 'advertise response_types_supported: ["code"]',
      },
    );
  }
}

function checkPkce(run: DoctorRun, methods: unknown): void {
  const id = 'server.pkce';
  if (Array.isArray(methods) && methods.includes('S256')) {
    run.checks.pass('server', id, 'code_challenge_methods_supported includes S256');
  } else {
    run.checks.fail(
      'server',
      id,
      `code_challenge_methods_supported ${methods === undefined ? 'is missing' : 'lacks S256'}: clients must refuse an authorization server without it (MCP 2025-11-25)`,
      { fix: 'support PKCE with S256 and advertise code_challenge_methods_supported: ["S256"]' },
    );
  }
}

function checkEndpoints(run: DoctorRun, metadata: Record<string, unknown>): void {
  const { checks } = run;
  const missing = ['authorization_endpoint', 'token_endpoint'].filter(
    (name) => parseAbsoluteUrl(metadata[name]) === undefined,
  );
  if (missing.length > 0) {
    checks.fail('server', 'server.endpoints', `${missing.join(' and ')} missing or not absolute URLs`, {
      fix: 'advertise absolute authorization_endpoint and token_endpoint URLs',
    });
  } else {
    checks.pass('server', 'server.endpoints', `authorization_endpoint and token_endpoint are absolute URLs`);
  }
  const plain: string[] = [];
  const loopback: string[] = [];
  for (const name of ['issuer', ...ENDPOINTS]) {
    const value = metadata[name];
    if (typeof value !== 'string') continue;
    const security = urlSecurity(value);
    if (security === 'http') plain.push(`${name} ${value}`);
    if (security === 'loopback-http') loopback.push(name);
  }
  if (plain.length > 0) {
    checks.fail('server', 'server.https', `plain http URLs: ${plain.join(', ')}`, {
      pitfall: 'P9',
      fix: 'configure the public https issuer URL instead of deriving URLs from the request behind a TLS proxy; SDK v2 clients refuse a plain-http token endpoint',
    });
  } else if (loopback.length > 0) {
    checks.warn(
      'server',
      'server.https',
      `plain http on loopback (${loopback.join(', ')}): fine for local testing only`,
    );
  } else {
    checks.pass('server', 'server.https', 'every endpoint uses https');
  }
}

function checkIssParameter(run: DoctorRun, supported: unknown): void {
  const id = 'server.iss-parameter';
  if (supported === true) {
    run.checks.pass(
      'server',
      id,
      'authorization_response_iss_parameter_supported: true (RFC 9207); whether callbacks carry iss = issuer needs a login or --register (P6)',
    );
  } else {
    run.checks.warn(
      'server',
      id,
      'authorization_response_iss_parameter_supported is not true: clients cannot detect mix-up attacks',
      {
        fix: 'send iss (= issuer) on every authorization response and advertise it (RFC 9207, MCP 2026-07-28 SHOULD)',
      },
    );
  }
}

function checkTokenAuthMethods(run: DoctorRun, metadata: Record<string, unknown>): void {
  const id = 'server.token-auth-methods';
  const methods = metadata.token_endpoint_auth_methods_supported;
  if (Array.isArray(methods) && methods.includes('none')) {
    run.checks.pass('server', id, 'token_endpoint_auth_methods_supported includes none (public clients)');
    return;
  }
  const message =
    methods === undefined
      ? 'token_endpoint_auth_methods_supported is missing, which means client_secret_basic only (RFC 8414)'
      : `token_endpoint_auth_methods_supported lacks none (${Array.isArray(methods) ? methods.join(', ') : String(methods)})`;
  const advice = {
    fix: 'accept public clients: include "none" (mcp-remote, desktop clients, and Claude with CIMD need it)',
  };
  if (metadata.client_id_metadata_document_supported === true) {
    run.checks.fail('server', id, `${message}, yet CIMD clients have no secret`, advice);
  } else {
    run.checks.warn('server', id, `${message}: public clients may fail`, advice);
  }
}

function checkRegistration(run: DoctorRun, metadata: Record<string, unknown>): void {
  const id = 'server.registration';
  const dcr = parseAbsoluteUrl(metadata.registration_endpoint);
  const cimd = metadata.client_id_metadata_document_supported === true;
  if (dcr === undefined && !cimd) {
    run.checks.fail(
      'server',
      id,
      'neither registration_endpoint (DCR) nor client_id_metadata_document_supported (CIMD): clients without a pre-registered client id cannot log in',
      {
        fix: 'enable dynamic client registration or CIMD at the authorization server, or put the OAuth proxy level in front of it',
      },
    );
    return;
  }
  const ways = [dcr ? `dynamic client registration at ${dcr.href}` : '', cimd ? 'client ID metadata documents' : ''];
  run.checks.pass('server', id, `clients can register: ${ways.filter(Boolean).join(' and ')}`);
}
