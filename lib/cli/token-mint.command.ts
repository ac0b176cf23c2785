import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { SignJWT, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { parseScopeString } from '../core/scopes.js';
import type { CliCommand } from './cli-command.interface.js';
import { CliError, CliUsageError } from './cli.error.js';
import { describeFsError, type CliIo } from './cli-io.js';
import { parseDuration } from './duration.util.js';
import { keyId, nonEmpty, oneOf, required } from './option-values.util.js';
import { writeJson, writeLine } from './output.util.js';
import { HELP_OPTION, parseCommandArgs } from './parse-command-args.js';
import { loadSigningKey, SIGNING_ALGORITHMS, type SigningKey } from './signing-key.util.js';

/** Validated options of `token mint`. */
export interface TokenMintOptions {
  /** Path of the private key file (PEM or JWK). */
  readonly key: string;
  readonly alg?: string;
  readonly kid?: string;
  readonly issuer: string;
  /** One audience, or several (then `aud` is an array). */
  readonly audience: string | string[];
  readonly subject: string;
  readonly clientId: string;
  /** Granted scopes, in order, without duplicates; no `scope` claim when empty. */
  readonly scopes: string[];
  readonly ttlSeconds: number;
  /** Extra claims from `--claim name=value`. */
  readonly claims: Record<string, unknown>;
  readonly typ: string;
  readonly json: boolean;
}

/** A minted token with its decoded parts. */
export interface MintedToken {
  readonly header: JWTHeaderParameters;
  readonly claims: JWTPayload;
  readonly token: string;
}

export const DEFAULT_SUBJECT = 'dev-user';
export const DEFAULT_CLIENT_ID = 'dev-client';
export const DEFAULT_TTL = '1h';

/** Claims that options set; `--claim` may not override them. */
const RESERVED_CLAIMS: ReadonlyMap<string, string> = new Map([
  ['iss', 'use --iss'],
  ['aud', 'use --aud'],
  ['sub', 'use --sub'],
  ['client_id', 'use --client-id'],
  ['scope', 'use --scope'],
  ['exp', 'use --ttl'],
  ['iat', 'it is the current time'],
  ['nbf', 'it is the current time'],
  ['jti', 'it is generated'],
]);

/** RFC 6749 §3.3 `scope-token = 1*NQCHAR`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

const HELP = `Usage: nestjs-mcp-auth token mint --key <file> --iss <issuer> --aud <resource> [options]

Sign a development access token (RFC 9068 JWT) with a local private key and print it.

Options:
  --key <file>        private key: PKCS#8 PEM or private JWK, e.g. from "keys generate" (required)
  --iss <issuer>      "iss" claim: the issuer your verifier trusts (required)
  --aud <resource>    "aud" claim: your MCP server's resource URL, e.g. http://localhost:3000/mcp
                      (required; repeat for several audiences)
  --sub <subject>     "sub" claim (default: ${DEFAULT_SUBJECT})
  --client-id <id>    "client_id" claim (default: ${DEFAULT_CLIENT_ID})
  --scope <scopes>    space-delimited scopes for the "scope" claim; may be repeated
  --ttl <duration>    lifetime: 300 (seconds), 90s, 15m, 1h or 7d; at most 365d (default: ${DEFAULT_TTL})
  --claim <name=val>  extra claim; a value that parses as JSON is used as JSON (numbers, true,
                      arrays, objects), anything else as a string; may be repeated
  --alg <alg>         signing algorithm (default: the JWK's "alg", else RS256 for RSA keys,
                      ES256/ES384/ES512 by curve, EdDSA for Ed25519; a PEM records no "alg",
                      so give --alg PS256 for a PS256 key in PEM form)
  --kid <id>          "kid" header (default: the JWK's "kid", else the RFC 7638 thumbprint)
  --typ <type>        "typ" header (default: at+jwt)
  --json              print {"header", "claims", "token"} instead of the bare token
  -h, --help          show this help

Examples:
  TOKEN=$(nestjs-mcp-auth token mint --key keys/private-key.pem \\
    --iss http://localhost:3000 --aud http://localhost:3000/mcp --scope "notes:read notes:write")
  nestjs-mcp-auth token mint --key keys/private-key.jwk.json --iss https://issuer.example \\
    --aud https://mcp.example.com/mcp --ttl 15m --claim tenant=acme --json
`;

/**
 * Validates the arguments of `token mint`.
 *
 * @returns the options, or `undefined` when `--help` was given.
 * @throws CliUsageError naming the offending option.
 */
export function parseTokenMintArgs(args: string[]): TokenMintOptions | undefined {
  const values = parseCommandArgs(args, {
    ...HELP_OPTION,
    key: { type: 'string' },
    alg: { type: 'string' },
    kid: { type: 'string' },
    iss: { type: 'string' },
    aud: { type: 'string', multiple: true },
    sub: { type: 'string' },
    'client-id': { type: 'string' },
    scope: { type: 'string', multiple: true },
    ttl: { type: 'string' },
    claim: { type: 'string', multiple: true },
    typ: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) return undefined;
  const audience = (values.aud ?? []).map((aud) => absoluteUri('--aud', aud));
  if (audience.length === 0) throw new CliUsageError('--aud is required');
  return {
    key: required('--key', values.key),
    alg: values.alg === undefined ? undefined : oneOf('--alg', values.alg, SIGNING_ALGORITHMS),
    kid: values.kid === undefined ? undefined : keyId('--kid', values.kid),
    issuer: absoluteUri('--iss', required('--iss', values.iss)),
    audience: audience.length === 1 ? audience[0] : audience,
    subject: nonEmpty('--sub', values.sub ?? DEFAULT_SUBJECT),
    clientId: nonEmpty('--client-id', values['client-id'] ?? DEFAULT_CLIENT_ID),
    scopes: parseScopes(values.scope ?? []),
    ttlSeconds: parseDuration(values.ttl ?? DEFAULT_TTL, '--ttl'),
    claims: parseClaims(values.claim ?? []),
    typ: nonEmpty('--typ', values.typ ?? 'at+jwt'),
    json: values.json ?? false,
  };
}

function absoluteUri(option: string, value: string): string {
  if (!URL.canParse(value)) throw new CliUsageError(`${option} must be an absolute URI (got "${value}")`);
  return value;
}

function parseScopes(values: string[]): string[] {
  const scopes = values.flatMap(parseScopeString);
  const invalid = scopes.find((scope) => !SCOPE_TOKEN.test(scope));
  if (invalid !== undefined) {
    throw new CliUsageError(
      `--scope "${invalid}" is not a valid scope (RFC 6749 §3.3: printable ASCII without " or \\)`,
    );
  }
  return [...new Set(scopes)];
}

function parseClaims(values: string[]): Record<string, unknown> {
  const claims = new Map<string, unknown>();
  for (const entry of values) {
    const separator = entry.indexOf('=');
    if (separator <= 0) throw new CliUsageError(`--claim must look like name=value (got "${entry}")`);
    const name = entry.slice(0, separator);
    const reserved = RESERVED_CLAIMS.get(name);
    if (reserved !== undefined) throw new CliUsageError(`--claim cannot set "${name}": ${reserved}`);
    if (claims.has(name)) throw new CliUsageError(`--claim "${name}" is given twice`);
    claims.set(name, parseClaimValue(entry.slice(separator + 1)));
  }
  return Object.fromEntries(claims);
}

function parseClaimValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * Signs an access token shaped like the ones the module's authorization server issues
 * (RFC 9068): header `typ`/`alg`/`kid`; claims `iss`, `aud`, `sub`, `client_id`, `scope`, `iat`,
 * `nbf` (both `now`), `exp` (`now` + TTL), a random `jti`, then the extra claims.
 *
 * @param now - the current time in milliseconds since the epoch.
 */
export async function mintToken(
  options: Omit<TokenMintOptions, 'key' | 'alg' | 'kid' | 'json'>,
  key: SigningKey,
  now: number,
): Promise<MintedToken> {
  const iat = Math.floor(now / 1000);
  const claims: JWTPayload = {
    iss: options.issuer,
    aud: options.audience,
    sub: options.subject,
    client_id: options.clientId,
    ...(options.scopes.length > 0 ? { scope: options.scopes.join(' ') } : {}),
    iat,
    nbf: iat,
    exp: iat + options.ttlSeconds,
    jti: randomUUID(),
    ...options.claims,
  };
  const header: JWTHeaderParameters = { alg: key.alg, typ: options.typ, kid: key.kid };
  const token = await new SignJWT(claims).setProtectedHeader(header).sign(key.key);
  return { header, claims, token };
}

async function run(args: string[], io: CliIo): Promise<void> {
  const options = parseTokenMintArgs(args);
  if (options === undefined) return writeLine(io.stdout, HELP);
  const source = `--key "${options.key}"`;
  let text: string;
  try {
    text = await io.readFile(resolve(io.cwd, options.key));
  } catch (error) {
    throw new CliError(`cannot read ${source}: ${describeFsError(error)}`);
  }
  const key = await loadSigningKey(text, source, options);
  let minted: MintedToken;
  try {
    minted = await mintToken(options, key, io.now());
  } catch (error) {
    // jose refuses, for example, RSA keys shorter than 2048 bits.
    throw new CliError(`cannot sign with ${source}: ${(error as Error).message}`);
  }
  if (options.json) writeJson(io.stdout, minted);
  else writeLine(io.stdout, minted.token);
}

/** `token mint`. */
export const tokenMintCommand: CliCommand = {
  path: ['token', 'mint'],
  summary: 'Sign a development access token with a local private key',
  run,
};
