import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import type { OAuthGrantType, TokenEndpointAuthMethod } from './oauth-client.js';

/**
 * A client registered in configuration (pre-registration: MCP clients try it first). Its
 * redirect URIs follow the same rules as dynamic registrations (exact, `https` or loopback
 * `http` or a private-use scheme; see `checkRedirectUri`), except the allow-list patterns, which
 * apply to dynamic clients only. Static clients never expire.
 *
 * Give a confidential client's secret either in plain (`clientSecret`, at least 32 characters:
 * generate it, e.g. `openssl rand -base64 32`) or as its hash (`clientSecretHash` =
 * base64url(SHA-256(secret)), 43 characters), never both.
 *
 * @example { clientId: 'claude-connector', clientSecret: process.env.CLAUDE_CLIENT_SECRET,
 *   redirectUris: ['https://claude.ai/api/mcp/auth_callback'], clientName: 'Claude' }
 * @publicApi
 */
export class StaticClientOptions {
  /** The `client_id`: 1–255 printable ASCII characters. */
  @Matches(/^[\x21-\x7e]{1,255}$/, { message: 'must be 1 to 255 printable ASCII characters without spaces' })
  clientId!: string;

  /** The client secret in plain text (hashed at startup, never stored in plain). */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters (a random secret)' })
  @MaxLength(512)
  clientSecret?: string;

  /** base64url(SHA-256(secret)) of the client secret. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'must be base64url(SHA-256(secret)): 43 characters' })
  clientSecretHash?: string;

  /** Exact redirect URIs (loopback ones match on any port). Required with `authorization_code`. */
  @IsArray() @ArrayMaxSize(10) @IsString({ each: true }) redirectUris!: string[];

  /**
   * Grant types.
   * @default ['authorization_code', 'refresh_token']
   */
  @IsOptional()
  @IsArray()
  @IsIn(['authorization_code', 'refresh_token', 'client_credentials'], { each: true })
  grantTypes?: OAuthGrantType[];

  /**
   * How the client authenticates at the token endpoint.
   * @default 'client_secret_basic' with a secret, otherwise 'none'
   */
  @IsOptional()
  @IsIn(['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'])
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;

  /**
   * `web` or `native`.
   * @default 'native' when every redirect URI is loopback or private-use, else 'web'
   */
  @IsOptional() @IsIn(['web', 'native']) applicationType?: 'web' | 'native';

  /** Name shown on the consent page. */
  @IsOptional() @IsString() @MaxLength(255) clientName?: string;

  /** Space-separated scopes the client is meant to use (informational). */
  @IsOptional() @IsString() @MaxLength(1000) scope?: string;

  /** Public keys for `private_key_jwt` (inline). */
  @IsOptional() @IsObject() jwks?: { keys: Record<string, unknown>[] };

  /** URL of the public keys for `private_key_jwt`. */
  @IsOptional() @IsString() jwksUri?: string;
}
