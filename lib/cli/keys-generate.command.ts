import { join, resolve } from 'node:path';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, exportSPKI, generateKeyPair, type JWK } from 'jose';
import type { CliCommand } from './cli-command.interface.js';
import { CliError, CliUsageError } from './cli.error.js';
import { describeFsError, type CliIo } from './cli-io.js';
import { keyId, nonEmpty, oneOf } from './option-values.util.js';
import { writeJson, writeLine } from './output.util.js';
import { HELP_OPTION, parseCommandArgs } from './parse-command-args.js';

/** Algorithms `keys generate` creates keys for. */
export const KEY_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/**
 * ES256: the key is generated instantly (RSA takes up to a second), tokens and keys are small,
 * and every JOSE library and the module's default algorithm allowlist accept it. `--alg RS256`
 * gives the RFC 9068 §2.1 interoperability baseline when a third party must verify the tokens.
 */
export const DEFAULT_KEY_ALGORITHM: KeyAlgorithm = 'ES256';

export const KEY_FORMATS = ['jwk', 'pem', 'both'] as const;
export type KeyFormat = (typeof KEY_FORMATS)[number];

const RSA_MIN_BITS = 2048;
const RSA_MAX_BITS = 8192;
const RSA_ALGORITHMS: ReadonlySet<KeyAlgorithm> = new Set(['RS256', 'PS256']);

/** Validated options of `keys generate`. */
export interface KeysGenerateOptions {
  readonly alg: KeyAlgorithm;
  /** RSA modulus length; only for RS256 and PS256. @default 2048 */
  readonly bits?: number;
  /** @default the RFC 7638 SHA-256 thumbprint of the public key */
  readonly kid?: string;
  readonly format: KeyFormat;
  /** Directory to write files into; stdout gets one JSON document when absent. */
  readonly out?: string;
  readonly force: boolean;
}

/** A generated signing key pair in every format the command can output. */
export interface GeneratedKeyPair {
  readonly alg: KeyAlgorithm;
  readonly kid: string;
  /** Private JWK with `kid`, `use: "sig"` and `alg`. */
  readonly privateJwk: JWK;
  /** Public JWK Set holding the one public key, with `kid`, `use: "sig"` and `alg`. */
  readonly jwks: { keys: [JWK] };
  /** PKCS#8 PEM, ending with a newline. */
  readonly privateKeyPem: string;
  /** SPKI PEM, ending with a newline. */
  readonly publicKeyPem: string;
}

interface KeyFile {
  readonly name: string;
  readonly format: Exclude<KeyFormat, 'both'>;
  /** Member of {@link GeneratedKeyPair} written to the file, and its name in the JSON output. */
  readonly member: 'privateJwk' | 'jwks' | 'privateKeyPem' | 'publicKeyPem';
  readonly mode: number;
  readonly description: string;
}

/** Files written by `--out`, in order. Private material is created with mode 0600. */
export const KEY_FILES: readonly KeyFile[] = [
  { name: 'private-key.jwk.json', format: 'jwk', member: 'privateJwk', mode: 0o600, description: 'private JWK' },
  { name: 'jwks.json', format: 'jwk', member: 'jwks', mode: 0o644, description: 'public JWK Set' },
  { name: 'private-key.pem', format: 'pem', member: 'privateKeyPem', mode: 0o600, description: 'PKCS#8 private key' },
  { name: 'public-key.pem', format: 'pem', member: 'publicKeyPem', mode: 0o644, description: 'SPKI public key' },
];

function fileContent(file: KeyFile, key: GeneratedKeyPair): string {
  const value = key[file.member];
  return typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`;
}

const HELP = `Usage: nestjs-mcp-auth keys generate [options]

Generate a key pair for signing access tokens: the private key as a JWK and/or PKCS#8 PEM, the
public key as a JWK Set and/or SPKI PEM.

Options:
  --alg <alg>        ${KEY_ALGORITHMS.join(', ')} (default: ${DEFAULT_KEY_ALGORITHM})
  --bits <n>         RSA modulus length for RS256 and PS256, ${RSA_MIN_BITS} to ${RSA_MAX_BITS} (default: ${RSA_MIN_BITS})
  --kid <id>         key id (default: the RFC 7638 SHA-256 thumbprint of the public key)
  --format <format>  ${KEY_FORMATS.join(', ')} (default: both)
  --out <dir>        write files into <dir> (created if missing) instead of printing
                     one JSON document on stdout
  --force            replace existing files in <dir>
  -h, --help         show this help

Files written with --out:
${KEY_FILES.map((f) => `  ${f.name.padEnd(22)}${f.description}${f.mode === 0o600 ? ', mode 0600' : ''} (--format ${f.format} or both)`).join('\n')}

Examples:
  nestjs-mcp-auth keys generate --out ./keys
  nestjs-mcp-auth keys generate --alg RS256 --format jwk | jq .jwks
`;

/**
 * Validates the arguments of `keys generate`.
 *
 * @returns the options, or `undefined` when `--help` was given.
 * @throws CliUsageError naming the offending option.
 */
export function parseKeysGenerateArgs(args: string[]): KeysGenerateOptions | undefined {
  const values = parseCommandArgs(args, {
    ...HELP_OPTION,
    alg: { type: 'string' },
    bits: { type: 'string' },
    kid: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
  });
  if (values.help) return undefined;
  const alg = oneOf('--alg', values.alg ?? DEFAULT_KEY_ALGORITHM, KEY_ALGORITHMS);
  if (values.force && values.out === undefined) throw new CliUsageError('--force only applies with --out');
  return {
    alg,
    bits: values.bits === undefined ? undefined : parseBits(values.bits, alg),
    kid: values.kid === undefined ? undefined : keyId('--kid', values.kid),
    format: oneOf('--format', values.format ?? 'both', KEY_FORMATS),
    out: values.out === undefined ? undefined : nonEmpty('--out', values.out),
    force: values.force ?? false,
  };
}

function parseBits(value: string, alg: KeyAlgorithm): number {
  if (!RSA_ALGORITHMS.has(alg)) {
    throw new CliUsageError(`--bits only applies to RSA algorithms (RS256, PS256), not ${alg}`);
  }
  const bits = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(bits >= RSA_MIN_BITS && bits <= RSA_MAX_BITS)) {
    throw new CliUsageError(`--bits must be an integer from ${RSA_MIN_BITS} to ${RSA_MAX_BITS} (got "${value}")`);
  }
  return bits;
}

/**
 * Generates a signing key pair with jose and exports it as private JWK, public JWKS, PKCS#8
 * and SPKI PEM. The `kid` defaults to the RFC 7638 thumbprint of the public key, which is also
 * what `token mint` puts in the header when it is given a PEM key.
 */
export async function generateSigningKeyPair(
  options: Pick<KeysGenerateOptions, 'alg' | 'bits' | 'kid'>,
): Promise<GeneratedKeyPair> {
  const { alg } = options;
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(RSA_ALGORITHMS.has(alg) ? { modulusLength: options.bits ?? RSA_MIN_BITS } : {}),
  });
  const publicJwk = await exportJWK(publicKey);
  const kid = options.kid ?? (await calculateJwkThumbprint(publicJwk, 'sha256'));
  const members = { kid, use: 'sig', alg };
  return {
    alg,
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), ...members },
    jwks: { keys: [{ ...publicJwk, ...members }] },
    privateKeyPem: `${await exportPKCS8(privateKey)}\n`,
    publicKeyPem: `${await exportSPKI(publicKey)}\n`,
  };
}

async function run(args: string[], io: CliIo): Promise<void> {
  const options = parseKeysGenerateArgs(args);
  if (options === undefined) return writeLine(io.stdout, HELP);
  const files = KEY_FILES.filter((file) => options.format === 'both' || options.format === file.format);
  const key = await generateSigningKeyPair(options);
  if (options.out === undefined) {
    writeJson(io.stdout, {
      kid: key.kid,
      alg: key.alg,
      ...Object.fromEntries(files.map((file) => [file.member, key[file.member]])),
    });
    return;
  }
  const written = await writeKeyFiles(options.out, options.force, files, key, io);
  writeLine(io.stdout, `Generated an ${key.alg} key pair with kid "${key.kid}":`);
  const width = Math.max(...written.map(([path]) => path.length)) + 2;
  for (const [path, file] of written) {
    writeLine(
      io.stdout,
      `  ${path.padEnd(width)}${file.description}${file.mode === 0o600 ? ' (mode 0600, keep it secret)' : ''}`,
    );
  }
}

/** Checks every target first, so a refused overwrite leaves no half-written key pair. */
async function writeKeyFiles(
  out: string,
  force: boolean,
  files: readonly KeyFile[],
  key: GeneratedKeyPair,
  io: CliIo,
): Promise<Array<[string, KeyFile]>> {
  const dir = resolve(io.cwd, out);
  const targets = files.map((file): [string, KeyFile] => [join(dir, file.name), file]);
  try {
    await io.mkdir(dir);
  } catch (error) {
    throw new CliError(`cannot create directory ${dir}: ${describeFsError(error)}`);
  }
  if (!force) {
    const existing = [];
    for (const [path] of targets) if (await io.exists(path)) existing.push(path);
    if (existing.length > 0) {
      throw new CliError(`refusing to overwrite ${existing.join(', ')} (use --force to replace)`);
    }
  }
  for (const [path, file] of targets) {
    try {
      await io.writeFile(path, fileContent(file, key), { mode: file.mode, overwrite: force });
    } catch (error) {
      throw new CliError(`cannot write ${path}: ${describeFsError(error)}`);
    }
  }
  return targets;
}

/** `keys generate`. */
export const keysGenerateCommand: CliCommand = {
  path: ['keys', 'generate'],
  summary: 'Generate a signing key pair (private JWK/PEM, public JWKS/PEM)',
  run,
};
