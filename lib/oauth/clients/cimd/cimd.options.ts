import { IsArray, IsBoolean, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

/**
 * Client ID metadata documents (CIMD): a client whose `client_id` is an `https` URL is described
 * by the JSON document served at that URL, which the server fetches (SSRF-safely) and caches.
 *
 * @see MCP authorization "Client ID Metadata Documents" (2025-11-25); IETF
 *   draft-ietf-oauth-client-id-metadata-document; security catalog D-22 … D-27.
 * @publicApi
 */
export class CimdOptions {
  /**
   * Accept URL-shaped client ids and advertise `client_id_metadata_document_supported`. Off by
   * default because it makes the server fetch URLs chosen by clients (only public addresses,
   * see docs); DCR and static clients work without it.
   * @default false
   */
  @IsOptional() @IsBoolean() enabled?: boolean;

  /**
   * When set, only client ids on these hosts are fetched. Each entry is a host name
   * (`app.example.com`, matched exactly) or `*.` + a domain (`*.example.com`: any subdomain at
   * any depth, not the domain itself). Case-insensitive; write internationalised names in
   * punycode.
   * @default undefined (any public host)
   */
  @IsOptional() @IsArray() @IsString({ each: true }) allowDomains?: string[];

  /**
   * Hosts never fetched, same syntax as `allowDomains`; checked first.
   * @default undefined
   */
  @IsOptional() @IsArray() @IsString({ each: true }) denyDomains?: string[];

  /**
   * Limit for the whole fetch (DNS, connect, TLS, response), in milliseconds.
   * @default 5000
   */
  @IsOptional() @IsInt() @Min(100) @Max(30_000) timeoutMs?: number;

  /**
   * Largest accepted document, in bytes, counted while streaming (a `Content-Length` is not
   * trusted).
   * @default 5120
   */
  @IsOptional() @IsInt() @Min(256) @Max(1_048_576) maxBytes?: number;

  /**
   * Shortest time a fetched document is cached, in seconds, whatever `Cache-Control` says
   * (`no-store`, `no-cache`, no header or a smaller `max-age` all get this); it bounds how often
   * one client id makes the server fetch. `0` = honour `no-store`.
   * @default 60
   */
  @IsOptional() @IsInt() @Min(0) @Max(86_400) cacheMinSeconds?: number;

  /**
   * Longest time a fetched document is cached, in seconds, whatever `max-age` says; it bounds
   * how long a changed or withdrawn document is still used.
   * @default 3600
   */
  @IsOptional() @IsInt() @Min(0) @Max(604_800) cacheMaxSeconds?: number;

  /**
   * Most documents kept in the (per-process) cache.
   * @default 1000
   */
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000) maxCacheEntries?: number;
}

/** Defaults of {@link CimdOptions}. */
export const CIMD_DEFAULTS = {
  enabled: false,
  timeoutMs: 5000,
  maxBytes: 5120,
  cacheMinSeconds: 60,
  cacheMaxSeconds: 3600,
  maxCacheEntries: 1000,
} as const;
