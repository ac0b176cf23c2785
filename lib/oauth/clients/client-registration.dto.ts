import { ArrayMaxSize, IsArray, IsIn, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { MAX_REDIRECT_URI_LENGTH } from './redirect-uri-validation.util.js';

/** Size caps of a registration request (security catalog D-08). @publicApi */
export const CLIENT_METADATA_LIMITS = {
  redirectUris: 10,
  uriLength: MAX_REDIRECT_URI_LENGTH,
  clientName: 255,
  scope: 1000,
  contacts: 5,
  contactLength: 320,
  softwareField: 255,
  listItems: 10,
  jwksKeys: 10,
} as const;

const L = CLIENT_METADATA_LIMITS;

/**
 * The body of an RFC 7591 client registration request (also the shape of a client ID metadata
 * document), as class-validator checks its types and sizes. Only these members are read from a
 * request; anything else — `client_id`, `client_secret`, `registration_access_token`,
 * `software_statement`, localized `client_name#…` members, unknown extensions — is ignored
 * (RFC 7591 §2, security catalog D-09, D-15). `null` counts as absent.
 *
 * Semantic rules (which values are allowed, defaults, consistency) are applied afterwards by
 * {@link validateClientRegistration}.
 *
 * class-validator runs a member's decorators bottom-up and stops at the first failure, so the
 * type check sits closest to each member and is the one reported for a value of the wrong type.
 *
 * @publicApi
 */
export class ClientRegistrationDto {
  /** Redirect URIs, 1 to 10, each at most 2048 characters. */
  @IsOptional()
  @ArrayMaxSize(L.redirectUris, { message: `must list at most ${L.redirectUris} URIs` })
  @MaxLength(L.uriLength, { each: true, message: `must contain URIs of at most ${L.uriLength} characters` })
  @IsString({ each: true, message: 'must be an array of strings' })
  @IsArray({ message: 'must be an array of strings' })
  redirect_uris?: string[];

  /** `none`, `client_secret_basic` (default), `client_secret_post` or `private_key_jwt`. */
  @IsOptional()
  @MaxLength(64, { message: 'is not supported' })
  @IsString({ message: 'must be a string' })
  token_endpoint_auth_method?: string;

  /** Grant types; default `["authorization_code", "refresh_token"]`. */
  @IsOptional()
  @ArrayMaxSize(L.listItems, { message: `must list at most ${L.listItems} values` })
  @MaxLength(128, { each: true, message: 'contains an unsupported value' })
  @IsString({ each: true, message: 'must be an array of strings' })
  @IsArray({ message: 'must be an array of strings' })
  grant_types?: string[];

  /** Response types; default `["code"]`. */
  @IsOptional()
  @ArrayMaxSize(L.listItems, { message: `must list at most ${L.listItems} values` })
  @MaxLength(64, { each: true, message: 'contains an unsupported value' })
  @IsString({ each: true, message: 'must be an array of strings' })
  @IsArray({ message: 'must be an array of strings' })
  response_types?: string[];

  /** `web` or `native`; inferred from the redirect URIs when absent. */
  @IsOptional()
  @IsIn(['web', 'native'], { message: 'must be "web" or "native"' })
  application_type?: string;

  /** Human-readable name, stored as given (the consent page escapes it). */
  @IsOptional()
  @MaxLength(L.clientName, { message: `must be at most ${L.clientName} characters` })
  @IsString({ message: 'must be a string' })
  client_name?: string;

  /** Home page of the client; kept only when `https`, never fetched. */
  @IsOptional()
  @MaxLength(L.uriLength, { message: `must be at most ${L.uriLength} characters` })
  @IsString({ message: 'must be a string' })
  client_uri?: string;

  /** Logo of the client; kept only when `https`, never fetched by the server. */
  @IsOptional()
  @MaxLength(L.uriLength, { message: `must be at most ${L.uriLength} characters` })
  @IsString({ message: 'must be a string' })
  logo_uri?: string;

  /** Privacy policy; kept only when `https`, never fetched. */
  @IsOptional()
  @MaxLength(L.uriLength, { message: `must be at most ${L.uriLength} characters` })
  @IsString({ message: 'must be a string' })
  policy_uri?: string;

  /** Terms of service; kept only when `https`, never fetched. */
  @IsOptional()
  @MaxLength(L.uriLength, { message: `must be at most ${L.uriLength} characters` })
  @IsString({ message: 'must be a string' })
  tos_uri?: string;

  /** Space-separated scopes; filtered to the server's scopes. */
  @IsOptional()
  @MaxLength(L.scope, { message: `must be at most ${L.scope} characters` })
  @IsString({ message: 'must be a string' })
  scope?: string;

  /** Contact e-mail addresses, at most 5. */
  @IsOptional()
  @ArrayMaxSize(L.contacts, { message: `must list at most ${L.contacts} values` })
  @MaxLength(L.contactLength, { each: true, message: `must contain values of at most ${L.contactLength} characters` })
  @IsString({ each: true, message: 'must be an array of strings' })
  @IsArray({ message: 'must be an array of strings' })
  contacts?: string[];

  /** Identifier of the client software (the same for every instance). */
  @IsOptional()
  @MaxLength(L.softwareField, { message: `must be at most ${L.softwareField} characters` })
  @IsString({ message: 'must be a string' })
  software_id?: string;

  /** Version of the client software. */
  @IsOptional()
  @MaxLength(L.softwareField, { message: `must be at most ${L.softwareField} characters` })
  @IsString({ message: 'must be a string' })
  software_version?: string;

  /** Public keys for `private_key_jwt` (`{ "keys": [...] }`). */
  @IsOptional()
  @IsObject({ message: 'must be a JWK Set object' })
  jwks?: Record<string, unknown>;

  /** URL of the client's public keys for `private_key_jwt`; `https` only, not fetched at registration. */
  @IsOptional()
  @MaxLength(L.uriLength, { message: `must be at most ${L.uriLength} characters` })
  @IsString({ message: 'must be a string' })
  jwks_uri?: string;
}

/** The members of {@link ClientRegistrationDto}, in the order errors are reported. */
export const CLIENT_METADATA_MEMBERS = [
  'redirect_uris',
  'token_endpoint_auth_method',
  'grant_types',
  'response_types',
  'application_type',
  'client_name',
  'client_uri',
  'logo_uri',
  'policy_uri',
  'tos_uri',
  'scope',
  'contacts',
  'software_id',
  'software_version',
  'jwks',
  'jwks_uri',
] as const satisfies readonly (keyof ClientRegistrationDto)[];
