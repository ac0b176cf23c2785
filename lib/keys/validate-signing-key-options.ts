import { createPublicKey, type KeyObject } from 'node:crypto';
import { indexPath, validateSection } from '../core/options/validate-section.js';
import { ALGORITHMS_BY_KIND, parsePrivateKey, type SigningKeyKind } from './private-key.util.js';
import { SIGNING_ALGORITHMS, SigningKeyOptions, type SigningAlgorithm } from './signing-key-options.js';

/** A configured signing key that passed validation. @internal */
export interface InspectedSigningKey {
  /** Option path of the entry, e.g. `signingKeys[1]`. */
  readonly path: string;
  readonly keyObject: KeyObject;
  readonly kind: SigningKeyKind;
  readonly alg: SigningAlgorithm;
  /** The configured `kid`, else the JWK's; `undefined` means "use the thumbprint". */
  readonly kid: string | undefined;
  readonly activateAt: number | undefined;
  readonly retireAt: number | undefined;
}

/**
 * Validates a list of signing keys, adding one line per problem
 * (`signingKeys[1].privateKey: must be a private key ...`):
 * each entry's options; private, asymmetric key material of a supported type (RSA of at least
 * 2048 bits, EC P-256/P-384, Ed25519; never a symmetric key, security catalog AS-01); an `alg`
 * that suits the key; `retireAt` after `activateAt`; unique key ids.
 *
 * A `kid` left to its default (the RFC 7638 thumbprint) is compared through the key itself:
 * the same key listed twice without a `kid` is reported here. An explicit `kid` that equals
 * another key's thumbprint is reported when the key set is built.
 *
 * @param keys `undefined` is valid (no keys configured); whether that is allowed depends on the
 *   mode and is decided by `SigningKeySet.create`.
 * @publicApi
 */
export function validateSigningKeyOptions(
  path: string,
  keys: readonly SigningKeyOptions[] | undefined,
  problems: string[],
): void {
  inspectSigningKeys(path, keys, problems);
}

/**
 * {@link validateSigningKeyOptions}, returning the parsed keys (meaningful only when no problem
 * was added).
 * @internal
 */
export function inspectSigningKeys(
  path: string,
  keys: readonly SigningKeyOptions[] | undefined,
  problems: string[],
): InspectedSigningKey[] {
  if (keys === undefined) return [];
  if (!Array.isArray(keys)) {
    problems.push(`${path}: must be an array of signing keys`);
    return [];
  }
  if (keys.length === 0) {
    problems.push(`${path}: must list at least one signing key (leave it out for an ephemeral development key)`);
    return [];
  }
  const inspected: InspectedSigningKey[] = [];
  const kids = new Map<string, string>();
  keys.forEach((entry, i) => {
    const at = indexPath(path, i);
    const key = inspectEntry(at, entry, problems);
    if (key === undefined) return;
    if (key.kid !== undefined) {
      const kidPath = entry.kid !== undefined ? `${at}.kid` : `${at}.privateKey.kid`;
      const other = kids.get(key.kid);
      if (other !== undefined) problems.push(`${kidPath}: ${JSON.stringify(key.kid)} is already the kid of ${other}`);
      else kids.set(key.kid, at);
    } else {
      const twin = inspected.find((k) => k.kid === undefined && samePublicKey(k.keyObject, key.keyObject));
      if (twin) {
        problems.push(
          `${at}.privateKey: is the same key as ${twin.path}, so both would get the same kid (its thumbprint); list it once or give each a kid`,
        );
      }
    }
    inspected.push(key);
  });
  return inspected;
}

function inspectEntry(at: string, entry: SigningKeyOptions, problems: string[]): InspectedSigningKey | undefined {
  const before = problems.length;
  if (!validateSection(at, SigningKeyOptions, entry, problems)) return undefined;
  if (
    typeof entry.activateAt === 'number' &&
    typeof entry.retireAt === 'number' &&
    entry.retireAt <= entry.activateAt
  ) {
    problems.push(`${at}.retireAt: must be after activateAt`);
  }
  if (entry.privateKey === undefined || entry.privateKey === null) return undefined;
  const parsed = parsePrivateKey(entry.privateKey, `${at}.privateKey`, problems);
  if (parsed === undefined) return undefined;
  const suitable = ALGORITHMS_BY_KIND[parsed.kind];
  // An alg outside the allowlist was reported by the schema already.
  if (entry.alg !== undefined && !(SIGNING_ALGORITHMS as readonly unknown[]).includes(entry.alg)) return undefined;
  if (entry.alg !== undefined && parsed.jwkAlg !== undefined && entry.alg !== parsed.jwkAlg) {
    problems.push(`${at}.alg: ${entry.alg} contradicts the JWK's "alg" (${parsed.jwkAlg})`);
  } else {
    const alg = entry.alg ?? parsed.jwkAlg;
    if (alg !== undefined && !suitable.includes(alg)) {
      const algPath = entry.alg !== undefined ? `${at}.alg` : `${at}.privateKey.alg`;
      problems.push(`${algPath}: ${alg} cannot sign with an ${parsed.kind} key (use ${suitable.join(' or ')})`);
    }
  }
  if (problems.length > before) return undefined;
  return {
    path: at,
    keyObject: parsed.keyObject,
    kind: parsed.kind,
    alg: entry.alg ?? parsed.jwkAlg ?? suitable[0]!,
    kid: entry.kid ?? parsed.jwkKid,
    activateAt: entry.activateAt,
    retireAt: entry.retireAt,
  };
}

function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  return createPublicKey(a).equals(createPublicKey(b));
}
