import { createPrivateKey } from 'node:crypto';
import { calculateJwkThumbprint, importJWK, type CryptoKey, type JWK } from 'jose';
import { CliError, CliUsageError } from './cli.error.js';

/** Algorithms `token mint` can sign with. */
export const SIGNING_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

const RSA_ALGORITHMS = SIGNING_ALGORITHMS.filter((alg) => alg.startsWith('RS') || alg.startsWith('PS'));

/** Algorithms each kind of key signs with; the first one is used when none is given. */
const ALGORITHMS_BY_KEY: ReadonlyMap<string, readonly string[]> = new Map([
  ['RSA', RSA_ALGORITHMS],
  ['EC/P-256', ['ES256']],
  ['EC/P-384', ['ES384']],
  ['EC/P-521', ['ES512']],
  ['OKP/Ed25519', ['EdDSA', 'Ed25519']],
]);

const PRIVATE_PEM_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY']);
const PUBLIC_PEM_LABELS = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY', 'CERTIFICATE']);

/** A private key ready to sign, with the `alg` and `kid` that go in the JWT header. */
export interface SigningKey {
  readonly alg: string;
  readonly kid: string;
  readonly key: CryptoKey;
}

/**
 * Reads the private key of `token mint --key` from the file's text: a PKCS#8 PEM (PKCS#1
 * `RSA PRIVATE KEY` and SEC1 `EC PRIVATE KEY` PEMs are accepted too), a private JWK, or a JWK Set
 * holding exactly one private JWK.
 *
 * - `alg`: `options.alg`, else the JWK's `alg`, else the usual one for the key (RS256 for RSA,
 *   ES256/ES384/ES512 by curve, EdDSA for Ed25519); it must suit the key.
 * - `kid`: `options.kid`, else the JWK's `kid`, else the RFC 7638 thumbprint of the public key,
 *   which is the `kid` that `keys generate` gives by default.
 *
 * @param source - how to name the file in messages, e.g. `--key "keys/private-key.pem"`.
 * @throws CliError for public keys, symmetric keys, encrypted or malformed files, and keys that
 * do not suit `options.alg`.
 */
export async function loadSigningKey(
  text: string,
  source: string,
  options: { alg?: string; kid?: string } = {},
): Promise<SigningKey> {
  const jwk = privateJwkFrom(text, source);
  const kind = jwk.kty === 'RSA' ? 'RSA' : `${jwk.kty}/${jwk.crv}`;
  const suitable = ALGORITHMS_BY_KEY.get(kind);
  if (suitable === undefined) throw new CliError(`${source} holds an unsupported key (${kind})`);
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new CliError(`${source} holds a key for "use": "${jwk.use}"`);
  if (options.alg !== undefined && jwk.alg !== undefined && options.alg !== jwk.alg) {
    throw new CliUsageError(`--alg ${options.alg} does not match the key's "alg": "${jwk.alg}" in ${source}`);
  }
  const alg = options.alg ?? jwk.alg ?? suitable[0];
  if (!suitable.includes(alg)) {
    throw new CliUsageError(`${alg} cannot sign with the ${kind} key in ${source} (use ${suitable.join(' or ')})`);
  }
  let key: CryptoKey;
  try {
    key = (await importJWK(jwk, alg)) as CryptoKey;
  } catch (error) {
    throw new CliError(`${source} holds an invalid ${kind} key: ${(error as Error).message}`);
  }
  return {
    alg,
    kid: options.kid ?? jwk.kid ?? (await calculateJwkThumbprint(jwk, 'sha256')),
    key,
  };
}

function privateJwkFrom(text: string, source: string): JWK {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return privateJwkFromJson(trimmed, source);
  const labels = [...trimmed.matchAll(/^-----BEGIN ([A-Z0-9 ]+)-----$/gm)].map((match) => match[1]);
  if (labels.includes('ENCRYPTED PRIVATE KEY')) {
    throw new CliError(`${source} is encrypted; decrypt it first, e.g. openssl pkcs8 -in <file> -out <new file>`);
  }
  if (!labels.some((label) => PRIVATE_PEM_LABELS.has(label))) {
    if (labels.some((label) => PUBLIC_PEM_LABELS.has(label))) throw publicKeyError(source);
    throw new CliError(`${source} is neither a PEM private key nor a JWK`);
  }
  try {
    // jose imports PKCS#8 only for an algorithm known beforehand; node:crypto reads which kind
    // of key the PEM holds, and jose does the rest from the JWK.
    return createPrivateKey(trimmed).export({ format: 'jwk' }) as JWK;
  } catch (error) {
    throw new CliError(`${source} holds an unreadable PEM private key: ${(error as Error).message}`);
  }
}

function privateJwkFromJson(text: string, source: string): JWK {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(`${source} is not valid JSON`);
  }
  const keys = (value as { keys?: unknown }).keys;
  if (Array.isArray(keys)) {
    if (keys.length !== 1 && keys.some(isPrivateJwk)) {
      throw new CliError(`${source} holds ${keys.length} keys; give a file with one private key`);
    }
    value = keys[0];
  }
  const jwk = value as JWK | undefined;
  if (typeof jwk?.kty !== 'string') throw new CliError(`${source} is neither a PEM private key nor a JWK`);
  if (jwk.kty === 'oct') throw new CliError(`${source} holds a symmetric key; token mint signs with private keys`);
  if (!isPrivateJwk(jwk)) throw publicKeyError(source);
  return jwk;
}

function isPrivateJwk(value: unknown): boolean {
  return typeof (value as JWK | null)?.d === 'string';
}

function publicKeyError(source: string): CliError {
  return new CliError(
    `${source} holds a public key; token mint needs the private key (private-key.pem or private-key.jwk.json)`,
  );
}
