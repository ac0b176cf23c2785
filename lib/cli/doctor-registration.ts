import { randomBytes, randomInt } from 'node:crypto';
import type { ServerFindings } from './doctor-authorization-server.js';
import type { DoctorResponse } from './doctor-http.js';
import { parseAbsoluteUrl, readJsonObject, type DoctorRun } from './doctor-run.js';

/** The redirect URI Cursor registers: a private-use scheme (RFC 8252 §7.1). */
export const PRIVATE_USE_REDIRECT_URI = 'cursor://anysphere.cursor-mcp/oauth/callback';

interface RegisteredClient {
  readonly clientId: string;
  readonly redirectUri: string;
  /** RFC 7592 management, when the server offers it (used to delete the client again). */
  readonly management?: { readonly uri: string; readonly token: string };
}

/**
 * With `--register`: registers throwaway public clients the way MCP clients do (a loopback
 * redirect URI, then Cursor's private-use scheme, P13), reads the RFC 9207 `iss` of an
 * authorization error response without logging in (P6), and deletes the clients again where
 * the server supports RFC 7592.
 */
export async function checkClientRegistration(
  run: DoctorRun,
  server: ServerFindings | undefined,
  scope: string | undefined,
): Promise<void> {
  const { checks } = run;
  if (!run.register) {
    checks.skip(
      'registration',
      'registration.dcr',
      'not registering a client: pass --register to create a throwaway one',
    );
    return;
  }
  const endpoint = server?.metadata.registration_endpoint;
  if (server === undefined || typeof endpoint !== 'string') {
    checks.skip('registration', 'registration.dcr', 'no registration_endpoint to register at');
    return;
  }
  if (!run.http.isAllowed(endpoint)) {
    checks.skip('registration', 'registration.dcr', `${endpoint} is on another origin than the issuer; not contacted`);
    return;
  }
  const loopback = `http://127.0.0.1:${randomInt(49_152, 65_535)}/callback`;
  const client = await register(run, endpoint, loopback, scope, 'registration.dcr');
  const native = await register(run, endpoint, PRIVATE_USE_REDIRECT_URI, scope, 'registration.private-use-scheme');
  if (client !== undefined) await checkIssInErrorResponse(run, server, client);
  const kept = (await Promise.all([client, native].map((registered) => unregister(run, registered)))).filter(
    (reason): reason is string => reason !== undefined,
  );
  if (kept.length > 0) {
    checks.warn('registration', 'registration.cleanup', `throwaway clients stay registered: ${kept.join('; ')}`, {
      fix: 'delete them at the authorization server if it keeps unused clients',
    });
  } else if (client !== undefined || native !== undefined) {
    checks.pass('registration', 'registration.cleanup', 'throwaway clients deleted again (RFC 7592)');
  }
}

async function register(
  run: DoctorRun,
  endpoint: string,
  redirectUri: string,
  scope: string | undefined,
  id: 'registration.dcr' | 'registration.private-use-scheme',
): Promise<RegisteredClient | undefined> {
  const { checks } = run;
  const body = {
    client_name: 'nestjs-mcp-auth doctor (throwaway)',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    ...(scope ? { scope } : {}),
  };
  const result = await run.http.request(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  if (!result.ok) {
    checks.fail('registration', id, `registration got no answer: ${result.error}`);
    return undefined;
  }
  const json = result.status < 300 ? readJsonObject(result) : undefined;
  if (result.status >= 300 || json === undefined || !json.ok) {
    const refused = `${result.status}${errorText(result)}`;
    if (id === 'registration.private-use-scheme') {
      checks.fail('registration', id, `registering ${redirectUri} (Cursor) is refused: ${refused}`, {
        pitfall: 'P13',
        fix: 'accept private-use URI schemes for native clients (RFC 8252 §7.1); filter unsafe URIs instead of rejecting the whole registration',
      });
    } else {
      checks.fail(
        'registration',
        id,
        `registering a public client with a loopback redirect URI is refused: ${refused}`,
        {
          fix: 'accept token_endpoint_auth_method "none", application_type "native" and loopback redirect URIs on any port',
        },
      );
    }
    return undefined;
  }
  const registered = json.value;
  if (typeof registered.client_id !== 'string' || !Array.isArray(registered.redirect_uris)) {
    checks.fail(
      'registration',
      id,
      `the ${result.status} response lacks client_id or redirect_uris: SDK clients cannot parse it`,
      {
        fix: 'answer 201 with the full registered metadata, including client_id and redirect_uris (RFC 7591 §3.2.1)',
      },
    );
    return undefined;
  }
  const what = id === 'registration.dcr' ? `a public client with ${redirectUri}` : `${redirectUri} (Cursor)`;
  if (!registered.redirect_uris.includes(redirectUri)) {
    checks.warn('registration', id, `registered ${what}, but redirect_uris came back without it`, {
      pitfall: id === 'registration.private-use-scheme' ? 'P13' : undefined,
    });
  } else if (result.status !== 201) {
    checks.warn('registration', id, `registered ${what} with ${result.status} instead of 201 (RFC 7591)`);
  } else {
    checks.pass('registration', id, `201: registered ${what} as ${registered.client_id}`);
  }
  const uri = registered.registration_client_uri;
  const token = registered.registration_access_token;
  return {
    clientId: registered.client_id,
    redirectUri,
    management: typeof uri === 'string' && typeof token === 'string' ? { uri, token } : undefined,
  };
}

/**
 * Asks for an authorization code without PKCE: an authorization server that requires PKCE
 * answers with an error redirect, which carries `iss` (RFC 9207) like a successful one.
 */
async function checkIssInErrorResponse(
  run: DoctorRun,
  server: ServerFindings,
  client: RegisteredClient,
): Promise<void> {
  const { checks } = run;
  const id = 'registration.iss';
  const endpoint = parseAbsoluteUrl(server.metadata.authorization_endpoint);
  if (endpoint === undefined || !run.http.isAllowed(endpoint.href)) {
    checks.skip('registration', id, 'the authorization endpoint is not on the issuer origin; iss not observed (P6)');
    return;
  }
  const state = randomBytes(12).toString('base64url');
  endpoint.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    state,
  }).toString();
  const result = await run.http.request(endpoint.href, { headers: { accept: 'text/html' } });
  const location = result.ok ? result.headers.location : undefined;
  const callback = location !== undefined ? safeUrl(location, endpoint.href) : undefined;
  if (callback === undefined || !callback.href.startsWith(client.redirectUri)) {
    checks.skip(
      'registration',
      id,
      'an authorization request without PKCE did not come back as an error redirect, so iss cannot be checked without a login (P6)',
    );
    return;
  }
  const params = callback.searchParams;
  const advertised = server.metadata.authorization_response_iss_parameter_supported === true;
  const iss = params.get('iss');
  const fix = `append iss=${server.issuer} (the issuer itself, not an upstream one) to every authorization response`;
  if (params.has('code')) {
    checks.fail(
      'registration',
      id,
      'an authorization request without code_challenge returned a code: PKCE is not enforced',
      {
        fix: 'require PKCE with S256 for every authorization request',
      },
    );
  } else if (iss !== null && iss !== server.issuer) {
    checks.fail(
      'registration',
      id,
      `the authorization response carries iss=${iss}, not the issuer ${server.issuer}: SDK v2 clients stop with IssuerMismatchError`,
      {
        pitfall: 'P6',
        fix,
      },
    );
  } else if (iss === null && advertised) {
    checks.fail(
      'registration',
      id,
      'authorization_response_iss_parameter_supported is true, yet the authorization response has no iss',
      {
        pitfall: 'P6',
        fix,
      },
    );
  } else if (iss === null) {
    checks.pass('registration', id, 'the authorization response has no iss, consistent with the metadata');
  } else {
    checks.pass('registration', id, `the authorization response carries iss=${iss} (RFC 9207)`);
  }
}

/**
 * Deletes a throwaway client through RFC 7592.
 * @returns why it stays registered, or `undefined` when it is gone (or was never registered).
 */
async function unregister(run: DoctorRun, client: RegisteredClient | undefined): Promise<string | undefined> {
  if (client === undefined) return undefined;
  if (client.management === undefined) return `${client.clientId} (no RFC 7592 management)`;
  if (!run.http.isAllowed(client.management.uri)) return `${client.clientId} (its management URL is on another origin)`;
  const result = await run.http.request(client.management.uri, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${client.management.token}` },
  });
  if (result.ok && result.status === 204) return undefined;
  return `${client.clientId} (DELETE ${result.ok ? `answered ${result.status}` : `failed: ${result.error}`})`;
}

function errorText(result: DoctorResponse): string {
  try {
    const body = JSON.parse(result.body) as { error?: unknown; error_description?: unknown };
    if (typeof body.error === 'string') {
      return ` ${body.error}${typeof body.error_description === 'string' ? ` (${body.error_description})` : ''}`;
    }
  } catch {
    // not an OAuth error body
  }
  return '';
}

function safeUrl(location: string, base: string): URL | undefined {
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}
