import { validateSync } from 'class-validator';
import { invalidClientMetadata, invalidRedirectUri } from '../oauth.errors.js';
import { copyJwks, filterScope, isHttpsMetadataUrl, publicJwksProblem } from './client-metadata-fields.util.js';
import { CLIENT_METADATA_MEMBERS, ClientRegistrationDto } from './client-registration.dto.js';
import type { ClientMetadata, ClientRegistrationPolicy } from './client-registration.policy.js';
import type { OAuthGrantType, TokenEndpointAuthMethod } from './oauth-client.js';
import { isAllowedByPatterns } from './redirect-uri-pattern.util.js';
import { checkRedirectUri, type RedirectUriKind } from './redirect-uri-validation.util.js';

/** Options of {@link validateClientRegistration} for callers other than `POST /register`. */
export interface ClientRegistrationContext {
  /**
   * The method assumed when `token_endpoint_auth_method` is absent: `client_secret_basic` for
   * dynamic registration (RFC 7591 §2), `none` for client ID metadata documents.
   * @default 'client_secret_basic'
   */
  readonly defaultTokenEndpointAuthMethod?: TokenEndpointAuthMethod;
}

const GRANT_TYPES: readonly OAuthGrantType[] = ['authorization_code', 'refresh_token', 'client_credentials'];
const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = [
  'none',
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
];

/**
 * Validates and normalises an RFC 7591 client registration request.
 *
 * Input: the parsed JSON body. The controller accepts only `Content-Type: application/json`
 * (415 otherwise) and parses it with `JSON.parse` semantics (duplicate keys: the last one wins,
 * and that is the value validated and stored, D-20); an empty or malformed body should be
 * passed as `undefined` or answered 400 `invalid_client_metadata` directly (D-06).
 *
 * Rules, each answered with a precise `error_description`:
 * - the body is a JSON object (D-06); only the RFC 7591 members of {@link ClientRegistrationDto}
 *   are read, as own properties, so `__proto__`/`constructor` are never copied (D-07) and
 *   client-chosen `client_id`, `client_secret`, `registration_access_token`,
 *   `software_statement` are ignored (D-09, D-15);
 * - types and size caps (D-05, D-08): see {@link CLIENT_METADATA_LIMITS};
 * - `grant_types` ⊆ `authorization_code`, `refresh_token` (+ `client_credentials` for
 *   confidential clients when the policy allows it), default both of the first; anything else is
 *   refused, never filtered (D-10);
 * - `response_types` = `["code"]` with `authorization_code`, empty otherwise (D-10);
 * - `token_endpoint_auth_method` ∈ `none`, `client_secret_basic` (default), `client_secret_post`,
 *   and `private_key_jwt` when the policy allows it and `jwks`/`jwks_uri` is given (D-11);
 * - redirect URIs: {@link checkRedirectUri}, the `application_type` rules (`native`: loopback
 *   or private-use scheme; `web`: `https` or loopback; absent: `native` when every URI is
 *   loopback or private-use, else `web`) and the allow-list patterns;
 * - `client_uri`, `logo_uri`, `policy_uri`, `tos_uri` kept only when `https`, else dropped
 *   (D-12); `jwks_uri` must be `https`; nothing is fetched;
 * - `scope` filtered to the server's scopes (D-14);
 * - `client_name` and other text stored as given (D-13, D-21).
 *
 * @param body the parsed request body (anything).
 * @returns the normalised metadata, ready for {@link ClientRegistry.register}.
 * @throws OAuthEndpointError `invalid_redirect_uri` for a problem with `redirect_uris` (or
 *   `application_type` versus them), `invalid_client_metadata` for anything else (400).
 * @publicApi
 */
export function validateClientRegistration(
  body: unknown,
  policy: ClientRegistrationPolicy,
  context: ClientRegistrationContext = {},
): ClientMetadata {
  const dto = readMembers(body);
  const method = validateAuthMethod(dto, policy, context.defaultTokenEndpointAuthMethod ?? 'client_secret_basic');
  const grantTypes = validateGrantTypes(dto.grant_types, method, policy);
  const responseTypes = validateResponseTypes(dto.response_types, grantTypes);
  const { redirectUris, applicationType } = validateRedirectUris(dto, grantTypes, policy);
  const keys = validateKeys(dto, method);

  let scope: string | undefined;
  if (dto.scope !== undefined) {
    const filtered = filterScope(dto.scope, policy.scopesSupported);
    if (typeof filtered === 'object') throw invalidClientMetadata(`scope ${filtered.error}`);
    scope = filtered;
  }
  const text = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);
  const link = (value: string | undefined) => (value !== undefined && isHttpsMetadataUrl(value) ? value : undefined);
  const contacts = dto.contacts?.filter((contact) => contact !== '');

  return stripUndefined({
    redirectUris,
    grantTypes,
    responseTypes,
    tokenEndpointAuthMethod: method,
    applicationType,
    clientName: text(dto.client_name),
    clientUri: link(dto.client_uri),
    logoUri: link(dto.logo_uri),
    policyUri: link(dto.policy_uri),
    tosUri: link(dto.tos_uri),
    scope,
    contacts: contacts === undefined || contacts.length === 0 ? undefined : contacts,
    softwareId: text(dto.software_id),
    softwareVersion: text(dto.software_version),
    ...keys,
  });
}

/** Copies the known members (own properties only) into a DTO and checks types and sizes. */
function readMembers(body: unknown): ClientRegistrationDto {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidClientMetadata('The registration request must be a JSON object');
  }
  const dto = new ClientRegistrationDto();
  const target = dto as unknown as Record<string, unknown>;
  for (const member of CLIENT_METADATA_MEMBERS) {
    if (!Object.hasOwn(body, member)) continue;
    const value = (body as Record<string, unknown>)[member];
    if (value !== null) target[member] = value;
  }
  const errors = validateSync(dto, {
    forbidUnknownValues: false,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
  });
  const first = CLIENT_METADATA_MEMBERS.map((member) => errors.find((e) => e.property === member)).find(Boolean);
  if (first !== undefined) {
    const message = `${first.property} ${Object.values(first.constraints ?? {})[0] ?? 'is invalid'}`;
    throw first.property === 'redirect_uris' ? invalidRedirectUri(message) : invalidClientMetadata(message);
  }
  return dto;
}

function validateAuthMethod(
  dto: ClientRegistrationDto,
  policy: ClientRegistrationPolicy,
  fallback: TokenEndpointAuthMethod,
): TokenEndpointAuthMethod {
  const method = (dto.token_endpoint_auth_method ?? fallback) as TokenEndpointAuthMethod;
  const supported = AUTH_METHODS.filter((m) => m !== 'private_key_jwt' || policy.allowPrivateKeyJwt);
  if (!supported.includes(method)) {
    throw invalidClientMetadata(
      `token_endpoint_auth_method ${JSON.stringify(method)} is not supported (use ${supported.join(', ')})`,
    );
  }
  if (method === 'private_key_jwt' && dto.jwks === undefined && dto.jwks_uri === undefined) {
    throw invalidClientMetadata('token_endpoint_auth_method private_key_jwt requires jwks or jwks_uri');
  }
  return method;
}

function validateGrantTypes(
  requested: readonly string[] | undefined,
  method: TokenEndpointAuthMethod,
  policy: ClientRegistrationPolicy,
): OAuthGrantType[] {
  const grants = [...new Set(requested ?? ['authorization_code', 'refresh_token'])];
  if (grants.length === 0) throw invalidClientMetadata('grant_types must not be empty');
  for (const grant of grants) {
    if (!GRANT_TYPES.includes(grant as OAuthGrantType)) {
      throw invalidClientMetadata(
        `grant_types: ${JSON.stringify(grant)} is not supported (use authorization_code, refresh_token)`,
      );
    }
  }
  if (grants.includes('client_credentials')) {
    if (!policy.allowClientCredentials) throw invalidClientMetadata('grant_types: client_credentials is not enabled');
    if (method === 'none') {
      throw invalidClientMetadata(
        'grant_types: client_credentials requires a confidential client (not auth method none)',
      );
    }
  }
  if (grants.includes('refresh_token') && !grants.includes('authorization_code')) {
    throw invalidClientMetadata('grant_types: refresh_token requires authorization_code');
  }
  return grants as OAuthGrantType[];
}

function validateResponseTypes(
  requested: readonly string[] | undefined,
  grantTypes: readonly OAuthGrantType[],
): readonly ['code'] | readonly [] {
  const code = grantTypes.includes('authorization_code');
  const types = [...new Set(requested ?? (code ? ['code'] : []))];
  const unsupported = types.find((type) => type !== 'code');
  if (unsupported !== undefined) {
    throw invalidClientMetadata(`response_types: ${JSON.stringify(unsupported)} is not supported (only "code")`);
  }
  if (code !== (types.length === 1)) {
    throw invalidClientMetadata(
      'response_types and grant_types disagree: "code" goes with authorization_code (RFC 7591 section 2.1)',
    );
  }
  return code ? ['code'] : [];
}

function validateRedirectUris(
  dto: ClientRegistrationDto,
  grantTypes: readonly OAuthGrantType[],
  policy: ClientRegistrationPolicy,
): { redirectUris: string[]; applicationType: 'web' | 'native' } {
  const uris = [...new Set(dto.redirect_uris ?? [])];
  if (uris.length === 0 && grantTypes.includes('authorization_code')) {
    throw invalidRedirectUri('redirect_uris is required for the authorization_code grant');
  }
  const kinds: RedirectUriKind[] = uris.map((uri, i) => {
    const check = checkRedirectUri(uri, policy);
    if (!check.ok) throw invalidRedirectUri(`redirect_uris[${i}] ${check.reason}`);
    return check.kind;
  });
  const applicationType =
    (dto.application_type as 'web' | 'native' | undefined) ??
    (kinds.length > 0 && kinds.every((kind) => kind !== 'https') ? 'native' : 'web');
  kinds.forEach((kind, i) => {
    if (applicationType === 'web' && kind === 'private-use') {
      throw invalidRedirectUri(
        `redirect_uris[${i}] uses a private-use scheme, which only native clients may use (application_type "native")`,
      );
    }
    if (applicationType === 'native' && kind === 'https') {
      throw invalidRedirectUri(
        `redirect_uris[${i}] must be a loopback (http://127.0.0.1:port/...) or private-use scheme URI for a native client`,
      );
    }
    if (!isAllowedByPatterns(uris[i]!, policy.allowedRedirectUris)) {
      throw invalidRedirectUri(`redirect_uris[${i}] is not allowed by this server's redirect URI policy`);
    }
  });
  return { redirectUris: uris, applicationType };
}

function validateKeys(
  dto: ClientRegistrationDto,
  method: TokenEndpointAuthMethod,
): { jwks?: { keys: Record<string, unknown>[] }; jwksUri?: string } {
  if (dto.jwks !== undefined && dto.jwks_uri !== undefined) {
    throw invalidClientMetadata('jwks and jwks_uri must not both be present (RFC 7591 section 2)');
  }
  if (dto.jwks !== undefined) {
    const problem = publicJwksProblem(dto.jwks);
    if (problem !== undefined) throw invalidClientMetadata(`jwks ${problem}`);
  }
  if (dto.jwks_uri !== undefined && !isHttpsMetadataUrl(dto.jwks_uri)) {
    throw invalidClientMetadata('jwks_uri must be an https URL');
  }
  if (method !== 'private_key_jwt') return {};
  return dto.jwks !== undefined ? { jwks: copyJwks(dto.jwks) } : { jwksUri: dto.jwks_uri };
}

function stripUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}
