import { postInitialize } from './doctor-challenge.js';
import type { ServerFindings } from './doctor-authorization-server.js';
import type { DoctorResult } from './doctor-http.js';
import type { MetadataFindings } from './doctor-resource-metadata.js';
import { DOCTOR_PROTOCOL_VERSION, type DoctorRun } from './doctor-run.js';
import type { DoctorGroup } from './doctor-report.js';

const PITFALL = 'P4';
const MCP_REQUEST_HEADERS = 'authorization, content-type, mcp-protocol-version';

/**
 * What a browser-based client (MCP Inspector's web UI, in-browser agents) needs: CORS on the
 * MCP endpoint with `WWW-Authenticate` exposed, on both metadata documents, and on the token
 * and registration endpoints (P4). Probed with the `Origin` of such a client.
 */
export async function checkCors(
  run: DoctorRun,
  metadata: MetadataFindings,
  server: ServerFindings | undefined,
): Promise<void> {
  await checkMcpEndpoint(run);
  await checkPreflight(run, 'cors.mcp-preflight', run.input, MCP_REQUEST_HEADERS, 'fail');
  if (metadata.documentUrl !== undefined) await checkGet(run, 'cors.metadata', metadata.documentUrl);
  if (server === undefined) return;
  await checkGet(run, 'cors.server-metadata', server.metadataUrl);
  for (const [id, name] of [
    ['cors.token', 'token_endpoint'],
    ['cors.registration', 'registration_endpoint'],
  ] as const) {
    const url = server.metadata[name];
    if (typeof url !== 'string') continue;
    if (!run.http.isAllowed(url)) {
      run.checks.skip('cors', id, `${url} is on another origin than the issuer; not contacted`);
      continue;
    }
    await checkPreflight(run, id, url, 'content-type', 'warn');
  }
}

async function checkMcpEndpoint(run: DoctorRun): Promise<void> {
  const { checks, browserOrigin } = run;
  const id = 'cors.mcp';
  const result = await postInitialize(run, { origin: browserOrigin });
  if (!result.ok) {
    checks.fail('cors', id, `no answer to a request with Origin ${browserOrigin}: ${result.error}`);
    return;
  }
  if (result.status === 403) {
    checks.warn(
      'cors',
      id,
      `Origin ${browserOrigin} is refused (403): browser-based clients such as MCP Inspector's web UI cannot connect`,
      {
        fix: 'allow their origins (mcp.allowedOrigins) if browser-based clients should connect',
      },
    );
    return;
  }
  if (!allowsOrigin(result, browserOrigin)) {
    checks.fail(
      'cors',
      id,
      `the ${result.status} has no Access-Control-Allow-Origin for ${browserOrigin}: browsers hide the answer from the client`,
      {
        pitfall: PITFALL,
        fix: 'answer MCP requests with Access-Control-Allow-Origin and Access-Control-Expose-Headers: WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version',
      },
    );
    return;
  }
  const exposed = listHeader(result, 'access-control-expose-headers');
  if (!exposed.includes('www-authenticate') && !exposed.includes('*')) {
    checks.fail(
      'cors',
      id,
      'Access-Control-Expose-Headers lacks WWW-Authenticate: browsers hide the challenge, so clients never find the metadata',
      {
        pitfall: PITFALL,
        fix: 'add Access-Control-Expose-Headers: WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version',
      },
    );
    return;
  }
  checks.pass('cors', id, `Access-Control-Allow-Origin for ${browserOrigin}, WWW-Authenticate exposed`);
}

async function checkGet(run: DoctorRun, id: string, url: string): Promise<void> {
  const result = await run.http.request(url, {
    headers: { accept: 'application/json', origin: run.browserOrigin, 'mcp-protocol-version': DOCTOR_PROTOCOL_VERSION },
  });
  if (result.ok && allowsOrigin(result, run.browserOrigin)) {
    run.checks.pass('cors', id, `${url} allows cross-origin reads`);
    return;
  }
  run.checks.fail(
    'cors',
    id,
    `${url} ${result.ok ? 'has no Access-Control-Allow-Origin' : `got no answer (${result.error})`}: browser-based clients cannot read it`,
    {
      pitfall: PITFALL,
      fix: 'serve metadata with Access-Control-Allow-Origin: * (it is public and carries no credentials)',
    },
  );
}

async function checkPreflight(
  run: DoctorRun,
  id: string,
  url: string,
  requestHeaders: string,
  severity: 'fail' | 'warn',
): Promise<void> {
  const result = await run.http.request(url, {
    method: 'OPTIONS',
    headers: {
      origin: run.browserOrigin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': requestHeaders,
    },
  });
  const group: DoctorGroup = 'cors';
  if (!result.ok || result.status >= 300 || !allowsOrigin(result, run.browserOrigin)) {
    const what = result.ok
      ? `answers the preflight with ${result.status}${allowsOrigin(result, run.browserOrigin) ? '' : ' and no Access-Control-Allow-Origin'}`
      : `got no answer (${result.error})`;
    run.checks[severity](group, id, `${url} ${what}: browsers block the POST`, {
      pitfall: PITFALL,
      fix: `answer OPTIONS with Access-Control-Allow-Origin, Access-Control-Allow-Methods: POST and Access-Control-Allow-Headers: ${requestHeaders}`,
    });
    return;
  }
  const allowed = listHeader(result, 'access-control-allow-headers');
  const missing = requestHeaders.split(', ').filter((header) => !allowed.includes(header) && !allowed.includes('*'));
  if (missing.length > 0) {
    run.checks[severity](group, id, `${url} preflight does not allow ${missing.join(', ')}`, {
      pitfall: PITFALL,
      fix: `add them to Access-Control-Allow-Headers`,
    });
    return;
  }
  run.checks.pass(group, id, `${url} allows cross-origin POSTs`);
}

function allowsOrigin(result: DoctorResult, origin: string): boolean {
  if (!result.ok) return false;
  const allowed = result.headers['access-control-allow-origin'];
  return allowed === '*' || allowed === origin;
}

function listHeader(result: DoctorResult, name: string): string[] {
  if (!result.ok) return [];
  return (result.headers[name] ?? '').split(',').map((item) => item.trim().toLowerCase());
}
