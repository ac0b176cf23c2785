import type { McpVerifierOptions } from './verifier-options.js';
import type { McpServerInfo } from './module-options.js';
import type { ProxyLevelOptions, ServerLevelOptions } from './authorization-server-options.js';
import type { McpStorageOptions, RecordEncryptionOptions } from '../../storage/storage-options.js';

/**
 * Which `Origin` values the MCP endpoint accepts: any, or an exact set, optionally plus every
 * loopback origin on any port (local servers).
 */
export type OriginPolicy =
  | { readonly any: true }
  | { readonly any: false; readonly exact: ReadonlySet<string>; readonly loopbackAnyPort: boolean };

/**
 * Options after validation and defaults: what every provider of the module reads. Derived URLs
 * are computed here once, never per request.
 *
 * @publicApi
 */
export interface ResolvedMcpAuthOptions {
  readonly resourceUrl: string;
  /** RFC 9728 metadata URL advertised in every challenge. */
  readonly resourceMetadataUrl: string;
  /** Path at which the path-suffixed metadata document is served. */
  readonly resourceMetadataPath: string;
  /**
   * The configured (or level-2-derived) verifier; with levels 3 and 4 the module's own tokens
   * are verified first and this one, if any, handles other tokens.
   */
  readonly verifier: McpVerifierOptions | undefined;
  /** Level 3 options, as given. */
  readonly proxy: ProxyLevelOptions | undefined;
  /** Level 4 options, as given. */
  readonly server: ServerLevelOptions | undefined;
  /** Level 2 metadata mirror (served at this origin), when enabled. */
  readonly metadataMirror:
    { readonly issuer: string; readonly timeoutMs: number; readonly cacheSeconds: number } | undefined;
  readonly authorizationServers: readonly string[];
  readonly scopesSupported: readonly string[] | undefined;
  readonly requiredScopes: readonly string[];
  readonly impliedScopes: Readonly<Record<string, readonly string[]>> | undefined;
  readonly resourceName: string | undefined;
  readonly resourceDocumentation: string | undefined;
  readonly production: boolean;
  /** Storage settings as given (validated when the store is built). */
  readonly storage: McpStorageOptions | undefined;
  readonly storageEncryption: RecordEncryptionOptions | undefined;
  readonly mcp: {
    readonly serverInfo: McpServerInfo;
    readonly instructions: string | undefined;
    /** `undefined` = no Host check. */
    readonly allowedHosts: ReadonlySet<string> | undefined;
    readonly allowedOrigins: OriginPolicy;
  };
}
