import { isLoopbackUrl } from '../core/resource-url.js';
import type { ChallengeFindings } from './doctor-challenge.js';
import type { DoctorResult } from './doctor-http.js';
import {
  describeOutcome,
  DOCTOR_PROTOCOL_VERSION,
  parseAbsoluteUrl,
  readJsonObject,
  type DoctorRun,
  type JsonDocument,
} from './doctor-run.js';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** What the protected-resource metadata told the doctor. */
export interface MetadataFindings {
  /** The document clients would use, and where it was read. */
  readonly document?: Record<string, unknown>;
  readonly documentUrl?: string;
  /** `authorization_servers[0]`, the issuer SDK clients use. */
  readonly authorizationServer?: string;
}

interface Location {
  readonly id: 'metadata.pointer' | 'metadata.path-suffixed' | 'metadata.root';
  readonly url: string;
  readonly result: DoctorResult;
  readonly json?: JsonDocument;
}

/**
 * Fetches RFC 9728 metadata wherever clients look (the challenge's `resource_metadata`, the
 * path-suffixed and the root well-known URL), then checks the document clients would use:
 * `resource` against the dialled URL (P8, P10), `authorization_servers`, scopes, plain-http URLs
 * (P9).
 */
export async function checkResourceMetadata(run: DoctorRun, challenge: ChallengeFindings): Promise<MetadataFindings> {
  const { mcpUrl } = run;
  const path = mcpUrl.pathname.replace(/\/+$/, '');
  const root = `${mcpUrl.origin}${WELL_KNOWN}`;
  const suffixed = path === '' ? undefined : `${root}${path}`;
  const fetched = new Map<string, Promise<DoctorResult>>();
  const fetchOnce = (url: string) => {
    if (!fetched.has(url)) {
      fetched.set(
        url,
        run.http.request(url, {
          headers: { accept: 'application/json', 'mcp-protocol-version': DOCTOR_PROTOCOL_VERSION },
        }),
      );
    }
    return fetched.get(url) as Promise<DoctorResult>;
  };
  const locate = async (id: Location['id'], url: string): Promise<Location> => {
    const result = await fetchOnce(url);
    return { id, url, result, json: result.ok && result.status === 200 ? readJsonObject(result) : undefined };
  };

  const pointer = challenge.resourceMetadataUrl;
  const locations: Location[] = [];
  if (pointer !== undefined) {
    if (run.http.isAllowed(pointer)) locations.push(await locate('metadata.pointer', pointer));
    else {
      run.checks.warn(
        'metadata',
        'metadata.pointer',
        `resource_metadata points to another origin (${pointer}); the doctor does not contact it`,
      );
    }
  }
  if (suffixed !== undefined) locations.push(await locate('metadata.path-suffixed', suffixed));
  locations.push(await locate('metadata.root', root));

  const usable = locations.filter((location) => location.json?.ok);
  const chosen = usable[0];
  const chosenDocument = chosen?.json?.ok ? chosen.json.value : undefined;
  const rootUsable = locations.some((location) => location.id === 'metadata.root' && location.json?.ok);
  for (const location of locations)
    reportLocation(run, location, { pathless: path === '', rootUsable }, chosenDocument);
  if (chosen === undefined || chosenDocument === undefined) {
    run.checks.fail('metadata', 'metadata.document', 'no protected resource metadata at any URL clients try', {
      pitfall: 'P2',
      fix: `serve the RFC 9728 document (JSON) at ${suffixed ?? root}${suffixed ? ` and ${root}` : ''}, and point to it from the 401`,
    });
    return {};
  }

  checkResource(run, chosenDocument.resource);
  const authorizationServer = checkAuthorizationServers(run, chosenDocument.authorization_servers);
  checkScopes(run, chosenDocument.scopes_supported, challenge.scope);
  checkPlainHttp(run, chosenDocument);
  return { document: chosenDocument, documentUrl: chosen.url, authorizationServer };
}

function reportLocation(
  run: DoctorRun,
  location: Location,
  { pathless, rootUsable }: { pathless: boolean; rootUsable: boolean },
  chosen: Record<string, unknown> | undefined,
): void {
  const { checks } = run;
  const { id, url, json } = location;
  if (json?.ok) {
    if (!json.contentTypeOk) {
      const type = location.result.ok ? location.result.headers['content-type'] : undefined;
      checks.warn('metadata', id, `${url} serves the document as ${type ?? 'no content type'}`, {
        fix: 'serve it as application/json',
      });
    } else if (id === 'metadata.root' && chosen !== undefined && json.value.resource !== chosen.resource) {
      checks.warn('metadata', id, `${url} describes another resource (${String(json.value.resource)})`, {
        fix: 'clients that probe only the root get that document; serve this endpoint there, or give each endpoint its own origin',
      });
    } else {
      checks.pass('metadata', id, `200 JSON at ${url}`);
    }
    return;
  }
  if (json && !json.ok && json.html) {
    checks.fail('metadata', id, `${url} ${json.problem}: clients fail with "Failed to discover OAuth metadata"`, {
      pitfall: 'P3',
      fix: 'answer /.well-known/* with the JSON document or a 404, never the HTML of a catch-all route',
    });
    return;
  }
  const outcome = json && !json.ok ? json.problem : describeOutcome(location.result);
  switch (id) {
    case 'metadata.pointer':
      checks.fail(
        'metadata',
        id,
        `the challenge's resource_metadata URL ${url} ${outcome}; clients that follow it go no further`,
        {
          fix: 'serve the document at the URL the challenge names',
        },
      );
      return;
    case 'metadata.path-suffixed':
      checks.fail(
        'metadata',
        id,
        `${url} ${outcome}: clients that build the metadata URL from the MCP URL find nothing`,
        {
          pitfall: rootUsable ? 'P1' : undefined,
          fix: `serve the metadata at ${url} as well as at the root URL`,
        },
      );
      return;
    case 'metadata.root':
      if (pathless) {
        checks.fail('metadata', id, `${url} ${outcome}`, {
          pitfall: 'P2',
          fix: `serve the RFC 9728 document at ${url}`,
        });
      } else {
        checks.warn('metadata', id, `${url} ${outcome}: clients that probe only the root URL find nothing`, {
          fix: `serve the document at ${url} too`,
        });
      }
  }
}

function checkResource(run: DoctorRun, resource: unknown): void {
  const { checks } = run;
  const id = 'metadata.resource';
  const verdict = compareResource(resource, run.input);
  const fix = `set resource (resourceUrl) to ${run.input}, exactly the URL users type`;
  if (verdict.status === 'pass') checks.pass('metadata', id, verdict.message);
  else if (verdict.status === 'warn') checks.warn('metadata', id, verdict.message, { fix });
  else checks.fail('metadata', id, verdict.message, { pitfall: verdict.pitfall, fix });
}

/**
 * How MCP clients judge `resource` against the URL they were given: SDK clients require the same
 * origin and a path that is the URL's path or a parent at a segment boundary.
 */
export function compareResource(
  resource: unknown,
  dialled: string,
): { status: 'pass' | 'warn' | 'fail'; message: string; pitfall?: string } {
  if (typeof resource !== 'string') return { status: 'fail', message: 'the document has no resource', pitfall: 'P8' };
  if (resource === dialled) return { status: 'pass', message: `resource is ${resource}, the URL you dialled` };
  const r = parseAbsoluteUrl(resource);
  const d = new URL(dialled);
  if (r === undefined) {
    return { status: 'fail', message: `resource ${resource} is not an absolute http(s) URL`, pitfall: 'P8' };
  }
  const mismatch = (what: string) => ({
    status: 'fail' as const,
    message: `resource ${resource} ≠ ${dialled}: ${what}; clients stop with "Protected resource … does not match expected …"`,
    pitfall: 'P8',
  });
  if (r.protocol !== d.protocol) return mismatch(`${r.protocol.slice(0, -1)} vs ${d.protocol.slice(0, -1)}`);
  if (r.hostname !== d.hostname) {
    return isLoopbackUrl(r) && isLoopbackUrl(d)
      ? mismatch(`${r.hostname} and ${d.hostname} are different origins to clients`)
      : mismatch(`another host (${r.host})`);
  }
  if (r.port !== d.port) return mismatch(`another port (${r.port || 'default'} vs ${d.port || 'default'})`);
  const rPath = r.pathname;
  const dPath = d.pathname;
  if (rPath.length > 1 && rPath.endsWith('/') && rPath.slice(0, -1) === dPath.replace(/\/+$/, '')) {
    return {
      status: 'fail',
      message: `resource ${resource} ends with a slash the MCP URL ${dialled} does not have: clients refuse the longer path, and authorization servers that compare resource exactly reject the token request`,
      pitfall: 'P10',
    };
  }
  if (rPath === dPath) {
    return {
      status: 'warn',
      message: `resource ${resource} is the dialled URL ${dialled} spelled differently; some clients compare strings byte for byte`,
    };
  }
  if (rPath === '/' || dPath.startsWith(`${rPath.replace(/\/+$/, '')}/`)) {
    return {
      status: 'warn',
      message: `resource ${resource} is a parent of ${dialled}: SDK clients accept it, but tokens are then bound to every endpoint under it`,
    };
  }
  return mismatch(`the path ${rPath} is neither the MCP URL's path ${dPath} nor a parent of it`);
}

function checkAuthorizationServers(run: DoctorRun, servers: unknown): string | undefined {
  const { checks } = run;
  const id = 'metadata.authorization-servers';
  if (!Array.isArray(servers) || servers.length === 0) {
    checks.fail('metadata', id, 'authorization_servers is missing or empty: clients cannot know where to log in', {
      fix: 'list the issuer of your authorization server in authorization_servers (RFC 9728, MCP: MUST)',
    });
    return undefined;
  }
  const first = servers[0] as unknown;
  if (parseAbsoluteUrl(first) === undefined) {
    checks.fail('metadata', id, `authorization_servers[0] is not an absolute http(s) URL: ${JSON.stringify(first)}`, {
      fix: 'use the issuer identifier, exactly as the authorization server metadata spells it',
    });
    return undefined;
  }
  const more = servers.length > 1 ? ` (clients use the first of ${servers.length})` : '';
  checks.pass('metadata', id, `authorization_servers[0] is ${String(first)}${more}`);
  return first as string;
}

function checkScopes(run: DoctorRun, scopes: unknown, challengeScope: string | undefined): void {
  const { checks } = run;
  const id = 'metadata.scopes';
  if (scopes === undefined) {
    if (challengeScope === undefined) {
      checks.warn('metadata', id, 'neither scopes_supported nor a challenge scope: clients request no scope', {
        fix: 'advertise the minimal scopes in scopes_supported; many identity providers issue tokens for no resource otherwise',
      });
    } else {
      checks.pass('metadata', id, 'no scopes_supported; clients use the challenge scope');
    }
    return;
  }
  if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string')) {
    checks.fail('metadata', id, 'scopes_supported is not an array of strings');
    return;
  }
  if (scopes.includes('offline_access')) {
    checks.warn('metadata', id, 'scopes_supported lists offline_access', {
      fix: 'remove it: resource servers SHOULD NOT advertise offline_access (MCP 2026-07-28); clients add it themselves',
    });
    return;
  }
  checks.pass('metadata', id, `scopes_supported: ${scopes.join(' ') || '(empty)'}`);
}

function checkPlainHttp(run: DoctorRun, document: Record<string, unknown>): void {
  if (run.mcpUrl.protocol !== 'https:') return;
  const urls = [
    document.resource,
    ...(Array.isArray(document.authorization_servers) ? document.authorization_servers : []),
  ];
  const plain = urls.filter((url): url is string => typeof url === 'string' && url.startsWith('http:'));
  if (plain.length === 0) {
    run.checks.pass('metadata', 'metadata.https', 'every URL in the document uses https');
    return;
  }
  run.checks.fail(
    'metadata',
    'metadata.https',
    `the document advertises plain http URLs behind an https endpoint: ${plain.join(', ')}`,
    {
      pitfall: 'P9',
      fix: 'build public URLs from configuration (resourceUrl, the issuer), not from the request scheme and Host behind your TLS proxy',
    },
  );
}
