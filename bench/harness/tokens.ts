import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { BENCH_CLIENT_ID, BENCH_KID, BENCH_SCOPE } from '../bench.constants.js';

/** The bench identity provider's keys: the published one and a foreign one. */
export interface BenchKeys {
  /** Public JWKS served by the bench JWKS server (only the signing key). */
  readonly jwks: { keys: JWK[] };
  readonly signing: CryptoKey;
  /** Never published: signs bad-signature and unknown-`kid` tokens. */
  readonly foreign: CryptoKey;
}

export async function generateBenchKeys(): Promise<BenchKeys> {
  const signing = await generateKeyPair('RS256', { extractable: true });
  const foreign = await generateKeyPair('RS256');
  const publicJwk = { ...(await exportJWK(signing.publicKey)), kid: BENCH_KID, alg: 'RS256', use: 'sig' };
  return { jwks: { keys: [publicJwk] }, signing: signing.privateKey, foreign: foreign.privateKey };
}

/** Tokens for one server (its audience is its own /mcp URL). */
export interface ServerTokens {
  /** Valid RS256 access token with the bench scope, for the whole run. */
  readonly valid: string;
  /** Same claims and `kid`, signed by the foreign key: fails the signature check. */
  readonly badSignature: string;
}

export interface TokenClaims {
  issuer: string;
  audience: string;
  lifetimeS?: number;
}

function sign(claims: TokenClaims, key: CryptoKey, kid: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: BENCH_CLIENT_ID, scope: BENCH_SCOPE })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setSubject('bench-user')
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + (claims.lifetimeS ?? 3600))
    .setJti(randomUUID())
    .sign(key);
}

export async function mintServerTokens(keys: BenchKeys, claims: TokenClaims): Promise<ServerTokens> {
  return {
    valid: await sign(claims, keys.signing, BENCH_KID),
    badSignature: await sign(claims, keys.foreign, BENCH_KID),
  };
}

/** `count` distinct tokens whose `kid` is in no published key set. */
export function mintUnknownKidTokens(keys: BenchKeys, claims: TokenClaims, count: number): Promise<string[]> {
  return Promise.all(Array.from({ length: count }, () => sign(claims, keys.foreign, 'rotated-key-not-yet-published')));
}
