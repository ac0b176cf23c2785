import { createPublicKey } from 'node:crypto';
import {
  calculateJwkThumbprint,
  CompactSign,
  compactVerify,
  exportJWK,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';
import type { SigningAlgorithm } from './signing-key-options.js';
import type { InspectedSigningKey } from './validate-signing-key-options.js';

/** A public key as published in the JWKS: public members only, plus `kid`, `alg` and `use`. @publicApi */
export interface PublishedJwk extends JWK {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly use: 'sig';
}

/** A configured key, imported and scheduled. @internal */
export interface KeyEntry {
  readonly path: string;
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: CryptoKey;
  readonly publicJwk: Readonly<PublishedJwk>;
  /** Epoch seconds; `-Infinity` when not configured. */
  readonly activateAt: number;
  /** Epoch seconds; `Infinity` when not configured. */
  readonly retireAt: number;
  /** `retireAt` plus the maximum token lifetime. */
  readonly publishedUntil: number;
  /** Whether `kid` is the default (the thumbprint) rather than configured. */
  readonly thumbprintKid: boolean;
}

/** Public members per key type (RFC 7518 §6); nothing else is ever published (M-10). */
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['kty', 'n', 'e'],
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
};

const PROBE = new TextEncoder().encode('nestjs-mcp-auth signing key check');

/**
 * Imports a validated key: public JWK, default kid, non-extractable private key, pairwise check.
 * Problems are recorded, and the entry must then be discarded.
 * @internal
 */
export async function importSigningKey(
  key: InspectedSigningKey,
  maxLifetime: number,
  problems: string[],
): Promise<KeyEntry> {
  const exported = await exportJWK(createPublicKey(key.keyObject));
  const members = PUBLIC_MEMBERS[exported.kty as string] ?? [];
  const publicMembers = Object.fromEntries(members.map((member) => [member, exported[member as keyof JWK]]));
  const kid = key.kid ?? (await calculateJwkThumbprint(publicMembers as JWK, 'sha256'));
  const publicJwk: PublishedJwk = Object.freeze({ ...publicMembers, kid, alg: key.alg, use: 'sig' as const });
  let privateKey: CryptoKey | undefined;
  try {
    const privateJwk = key.keyObject.export({ format: 'jwk' }) as JWK;
    privateKey = (await importJWK(privateJwk, key.alg, { extractable: false })) as CryptoKey;
  } catch (error) {
    // WebCrypto checks EC points, for example, and refuses a JWK mixing two keys.
    problems.push(`${key.path}.privateKey: cannot be imported for ${key.alg} (${(error as Error).message})`);
  }
  if (privateKey !== undefined && !(await isPairwiseConsistent(privateKey, publicJwk))) {
    problems.push(`${key.path}.privateKey: its public members do not belong to its private key`);
  }
  const retireAt = key.retireAt ?? Number.POSITIVE_INFINITY;
  return {
    path: key.path,
    kid,
    alg: key.alg,
    // Only read when no problem was reported (create() throws otherwise).
    privateKey: privateKey as CryptoKey,
    publicJwk,
    activateAt: key.activateAt ?? Number.NEGATIVE_INFINITY,
    retireAt,
    publishedUntil: retireAt + maxLifetime,
    thumbprintKid: key.kid === undefined,
  };
}

/** Signs a probe with the private key and verifies it with the published key. */
async function isPairwiseConsistent(privateKey: CryptoKey, publicJwk: PublishedJwk): Promise<boolean> {
  try {
    const jws = await new CompactSign(PROBE).setProtectedHeader({ alg: publicJwk.alg }).sign(privateKey);
    await compactVerify(jws, await importJWK(publicJwk, publicJwk.alg));
    return true;
  } catch {
    return false;
  }
}

/** Kids must be unique once defaults (thumbprints) are filled in. @internal */
export function checkUniqueKids(entries: readonly KeyEntry[], problems: string[]): void {
  const seen = new Map<string, string>();
  for (const entry of entries) {
    const other = seen.get(entry.kid);
    if (other === undefined) {
      seen.set(entry.kid, entry.path);
    } else if (entry.thumbprintKid) {
      problems.push(`${entry.path}.privateKey: its thumbprint (its default kid) is already the kid of ${other}`);
    } else {
      problems.push(`${entry.path}.kid: ${JSON.stringify(entry.kid)} is already the kid of ${other}`);
    }
  }
}
