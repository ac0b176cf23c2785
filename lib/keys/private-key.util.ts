import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { KID_PATTERN, SIGNING_ALGORITHMS, type SigningAlgorithm } from './signing-key-options.js';

/** The kinds of key that may sign access tokens. @internal */
export type SigningKeyKind = 'RSA' | 'EC P-256' | 'EC P-384' | 'Ed25519';

/** Smallest RSA modulus accepted (RFC 7518 §3.3, NIST SP 800-57). @internal */
export const MIN_RSA_BITS = 2048;

/** Algorithms each kind of key signs with; the first is inferred when none is configured. @internal */
export const ALGORITHMS_BY_KIND: Readonly<Record<SigningKeyKind, readonly SigningAlgorithm[]>> = {
  RSA: ['RS256', 'PS256'],
  'EC P-256': ['ES256'],
  'EC P-384': ['ES384'],
  Ed25519: ['EdDSA'],
};

/** Node's names of the supported EC curves. */
const EC_CURVES: Readonly<Record<string, SigningKeyKind>> = { prime256v1: 'EC P-256', secp384r1: 'EC P-384' };

const SUPPORTED = 'use RSA (at least 2048 bits), EC P-256, EC P-384 or Ed25519';

/** A configured private key, parsed and classified. @internal */
export interface ParsedPrivateKey {
  readonly keyObject: KeyObject;
  readonly kind: SigningKeyKind;
  /** The JWK's own `alg` and `kid` members, when the key was given as a JWK. */
  readonly jwkAlg?: SigningAlgorithm;
  readonly jwkKid?: string;
}

/**
 * Parses a configured private key (a private JWK object or a PKCS#8 PEM string) and checks that
 * it may sign access tokens: asymmetric, private, a supported type, RSA of at least 2048 bits.
 * Each problem is recorded as `<at>[.member]: <what is wrong>`.
 *
 * @returns the parsed key, or `undefined` when a problem was recorded.
 * @internal
 */
export function parsePrivateKey(value: unknown, at: string, problems: string[]): ParsedPrivateKey | undefined {
  const before = problems.length;
  let parsed: { keyObject: KeyObject; jwkAlg?: SigningAlgorithm; jwkKid?: string } | undefined;
  if (typeof value === 'string') parsed = fromPem(value, at, problems);
  else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    parsed = fromJwk(value as JWK, at, problems);
  } else problems.push(`${at}: must be a private JWK object or a PKCS#8 PEM string`);
  if (parsed === undefined || problems.length > before) return undefined;
  const kind = classify(parsed.keyObject, at, problems);
  return kind === undefined ? undefined : { ...parsed, kind };
}

function fromPem(text: string, at: string, problems: string[]): { keyObject: KeyObject } | undefined {
  const pem = text.trim();
  const labels = [...pem.matchAll(/^-----BEGIN ([A-Z0-9 ]+)-----$/gm)].map((match) => match[1]);
  if (pem.startsWith('{')) {
    problems.push(`${at}: must be a JWK object, not a JSON string (parse it first), or a PKCS#8 PEM string`);
  } else if (labels.includes('ENCRYPTED PRIVATE KEY')) {
    problems.push(
      `${at}: must be an unencrypted PKCS#8 PEM (decrypt it with: openssl pkcs8 -in <file> -out <new file>)`,
    );
  } else if (labels.includes('RSA PRIVATE KEY') || labels.includes('EC PRIVATE KEY')) {
    problems.push(
      `${at}: must be a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----); convert it with: openssl pkcs8 -topk8 -nocrypt -in <file> -out <new file>`,
    );
  } else if (labels.some((label) => /PUBLIC KEY|CERTIFICATE/.test(label ?? ''))) {
    problems.push(`${at}: must be a private key (this PEM holds a public key or certificate)`);
  } else if (labels.length !== 1 || labels[0] !== 'PRIVATE KEY') {
    problems.push(`${at}: must be a private JWK object or a PKCS#8 PEM string (-----BEGIN PRIVATE KEY-----)`);
  } else {
    try {
      return { keyObject: createPrivateKey({ key: pem, format: 'pem' }) };
    } catch (error) {
      problems.push(`${at}: is not a readable PKCS#8 private key (${(error as Error).message})`);
    }
  }
  return undefined;
}

function fromJwk(
  jwk: JWK,
  at: string,
  problems: string[],
): { keyObject: KeyObject; jwkAlg?: SigningAlgorithm; jwkKid?: string } | undefined {
  if (typeof jwk.kty !== 'string') {
    problems.push(`${at}: must be a private JWK object (with "kty") or a PKCS#8 PEM string`);
    return undefined;
  }
  if (jwk.kty === 'oct') {
    problems.push(
      `${at}: must be an asymmetric private key; symmetric (oct) keys never sign access tokens (no HS*, security catalog AS-01)`,
    );
    return undefined;
  }
  if (!['RSA', 'EC', 'OKP'].includes(jwk.kty)) {
    problems.push(`${at}.kty: unsupported key type ${JSON.stringify(jwk.kty)} (${SUPPORTED})`);
    return undefined;
  }
  if (jwk.d === undefined) {
    problems.push(`${at}: must be a private key (the JWK has no "d": it is a public key)`);
    return undefined;
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') problems.push(`${at}.use: must be "sig"`);
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('sign'))) {
    problems.push(`${at}.key_ops: must include "sign"`);
  }
  if (jwk.alg !== undefined && !(SIGNING_ALGORITHMS as readonly unknown[]).includes(jwk.alg)) {
    problems.push(`${at}.alg: must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  }
  if (jwk.kid !== undefined && !(typeof jwk.kid === 'string' && KID_PATTERN.test(jwk.kid))) {
    problems.push(`${at}.kid: must be 1-128 printable ASCII characters without spaces`);
  }
  try {
    const keyObject = createPrivateKey({ key: jwk, format: 'jwk' });
    return { keyObject, jwkAlg: jwk.alg as SigningAlgorithm | undefined, jwkKid: jwk.kid };
  } catch (error) {
    problems.push(`${at}: is not a valid private JWK (${(error as Error).message})`);
    return undefined;
  }
}

function classify(keyObject: KeyObject, at: string, problems: string[]): SigningKeyKind | undefined {
  const details = keyObject.asymmetricKeyDetails ?? {};
  switch (keyObject.asymmetricKeyType) {
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      if (bits >= MIN_RSA_BITS) return 'RSA';
      problems.push(`${at}: RSA keys must be at least ${MIN_RSA_BITS} bits (this one has ${bits})`);
      return undefined;
    }
    case 'rsa-pss':
      problems.push(`${at}: RSA-PSS-restricted keys are not supported; use a plain RSA key (alg PS256 signs with PSS)`);
      return undefined;
    case 'ec': {
      const kind = EC_CURVES[details.namedCurve ?? ''];
      if (kind) return kind;
      problems.push(`${at}: unsupported EC curve ${details.namedCurve ?? '(unknown)'} (use P-256 or P-384)`);
      return undefined;
    }
    case 'ed25519':
      return 'Ed25519';
    default:
      problems.push(`${at}: unsupported key type ${keyObject.asymmetricKeyType ?? '(unknown)'} (${SUPPORTED})`);
      return undefined;
  }
}
