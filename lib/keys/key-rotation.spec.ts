import {
  compactVerify,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  jwtVerify,
  type JSONWebKeySet,
} from 'jose';
import type { McpAuthClock } from '../core/clock.js';
import { AccessTokenSigner } from './access-token-signer.js';
import { newJti } from './jti.util.js';
import { SIGNING_ALGORITHMS, type SigningKeyOptions } from './signing-key-options.js';
import { SigningKeySet } from './signing-key-set.js';

/**
 * Security catalog AS-03 and F-06: key rotation with publish-before-sign, the old key kept for
 * the maximum access-token lifetime after it retires. Each phase is a restart with the
 * configuration an operator would deploy; resource servers see the JWKS as JSON, exactly as
 * they would fetch it from `jwks_uri`.
 */

class FakeClock implements McpAuthClock {
  private ms: number;
  constructor(seconds: number) {
    this.ms = seconds * 1000;
  }
  now(): number {
    return this.ms;
  }
  /** Moves to `seconds` since the epoch (fractions allowed). */
  set(seconds: number): void {
    this.ms = Math.round(seconds * 1000);
  }
}

const T0 = 1_800_000_000;
const MAX_LIFETIME = 3600;
const ISSUER = 'https://as.example.com';
const RESOURCE = 'https://mcp.example.com/mcp';

/** The JWKS a resource server downloads at the clock's current time. */
function fetchJwks(set: SigningKeySet): JSONWebKeySet {
  return JSON.parse(JSON.stringify(set.publicJwks())) as JSONWebKeySet;
}

const kidsOf = (jwks: JSONWebKeySet) => jwks.keys.map((key) => key.kid);

/** Full RFC 9068 verification, at `seconds`, against a downloaded JWKS. */
function verifyAsResourceServer(token: string, jwks: JSONWebKeySet, seconds: number) {
  return jwtVerify(token, createLocalJWKSet(jwks), {
    issuer: ISSUER,
    audience: RESOURCE,
    algorithms: [...SIGNING_ALGORITHMS],
    typ: 'at+jwt',
    requiredClaims: ['exp', 'iat', 'sub', 'client_id', 'jti'],
    currentDate: new Date(seconds * 1000),
  });
}

/** Signature only: whether the JWKS still holds the token's key. */
function signatureVerifies(token: string, jwks: JSONWebKeySet): Promise<unknown> {
  return compactVerify(token, createLocalJWKSet(jwks));
}

/** Signs a token living `lifetime` seconds from the clock's whole second. */
function issue(set: SigningKeySet, clock: FakeClock, lifetime = MAX_LIFETIME): Promise<string> {
  const iat = Math.floor(clock.now() / 1000);
  return new AccessTokenSigner(set).sign({
    iss: ISSUER,
    aud: RESOURCE,
    sub: 'user-1',
    client_id: 'client-1',
    scope: 'mcp:read',
    iat,
    exp: iat + lifetime,
    jti: newJti(),
  });
}

describe('key rotation (AS-03, F-06)', () => {
  let k1: string;
  let k2: SigningKeyOptions['privateKey'];
  const clock = new FakeClock(T0);

  const deploy = (keys: SigningKeyOptions[]) =>
    SigningKeySet.create(keys, { production: true, clock, maxTokenLifetimeSeconds: MAX_LIFETIME });

  beforeAll(async () => {
    k1 = await exportPKCS8((await generateKeyPair('ES256', { extractable: true })).privateKey);
    k2 = await exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey);
  });

  it('publishes the new key before it signs, keeps the old one until its tokens expire, then drops it', async () => {
    const ACTIVATE_K2 = T0 + 1000; // at least the resource servers' JWKS cache age after deployment
    const RETIRE_K1 = T0 + 1500;
    const K1_GONE = RETIRE_K1 + MAX_LIFETIME;

    // Phase 1: k1 alone signs.
    clock.set(T0);
    const phase1 = await deploy([{ privateKey: k1, kid: 'k1' }]);
    expect(kidsOf(fetchJwks(phase1))).toEqual(['k1']);
    const tokenFromPhase1 = await issue(phase1, clock);
    expect(decodeProtectedHeader(tokenFromPhase1).kid).toBe('k1');

    // Phase 2: k2 is added with a future activateAt (restart). Published at once, not signing.
    clock.set(T0 + 10);
    const phase2 = await deploy([
      { privateKey: k1, kid: 'k1' },
      { privateKey: k2, kid: 'k2', activateAt: ACTIVATE_K2 },
    ]);
    const cachedByResourceServer = fetchJwks(phase2);
    expect(kidsOf(cachedByResourceServer)).toEqual(['k1', 'k2']);
    expect(phase2.signingKey().kid).toBe('k1');
    clock.set(ACTIVATE_K2 - 0.001);
    expect(phase2.signingKey().kid).toBe('k1');
    const lastK1Token = await issue(phase2, clock);
    expect(decodeProtectedHeader(lastK1Token).kid).toBe('k1');
    // A token issued before the restart still verifies (same configured key).
    await expect(verifyAsResourceServer(tokenFromPhase1, fetchJwks(phase2), T0 + 10)).resolves.toBeDefined();

    // k2 signs from its activateAt; k1 is still published.
    clock.set(ACTIVATE_K2);
    expect(phase2.signingKey().kid).toBe('k2');
    const k2Token = await issue(phase2, clock);
    expect(decodeProtectedHeader(k2Token)).toEqual({ alg: 'RS256', kid: 'k2', typ: 'at+jwt' });
    expect(kidsOf(fetchJwks(phase2))).toEqual(['k1', 'k2']);
    // A resource server that fetched the JWKS before k2 signed already knows k2 (publish before sign).
    await expect(verifyAsResourceServer(k2Token, cachedByResourceServer, ACTIVATE_K2)).resolves.toBeDefined();
    await expect(verifyAsResourceServer(lastK1Token, fetchJwks(phase2), ACTIVATE_K2)).resolves.toBeDefined();

    // Phase 3: k1 gets its retireAt (restart). It stays published for one maximum token lifetime.
    clock.set(ACTIVATE_K2 + 100);
    const phase3 = await deploy([
      { privateKey: k1, kid: 'k1', retireAt: RETIRE_K1 },
      { privateKey: k2, kid: 'k2', activateAt: ACTIVATE_K2 },
    ]);
    expect(phase3.signingKey().kid).toBe('k2');
    clock.set(RETIRE_K1);
    expect(phase3.signingKey().kid).toBe('k2');
    expect(kidsOf(fetchJwks(phase3))).toEqual(['k1', 'k2']);
    await expect(verifyAsResourceServer(lastK1Token, fetchJwks(phase3), RETIRE_K1)).resolves.toBeDefined();

    // The last k1 token verifies until it expires, which is before k1 leaves the JWKS.
    const lastK1Expiry = decodeExp(lastK1Token);
    expect(lastK1Expiry).toBeLessThan(K1_GONE);
    clock.set(lastK1Expiry - 1);
    await expect(verifyAsResourceServer(lastK1Token, fetchJwks(phase3), lastK1Expiry - 1)).resolves.toBeDefined();
    clock.set(lastK1Expiry);
    await expect(verifyAsResourceServer(lastK1Token, fetchJwks(phase3), lastK1Expiry)).rejects.toBeInstanceOf(
      errors.JWTExpired,
    );

    // k1 is published until exactly retireAt + max lifetime, then gone.
    clock.set(K1_GONE - 0.001);
    expect(kidsOf(fetchJwks(phase3))).toEqual(['k1', 'k2']);
    await expect(signatureVerifies(lastK1Token, fetchJwks(phase3))).resolves.toBeDefined();
    clock.set(K1_GONE);
    expect(kidsOf(fetchJwks(phase3))).toEqual(['k2']);
    await expect(signatureVerifies(lastK1Token, fetchJwks(phase3))).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    await expect(verifyAsResourceServer(k2Token, fetchJwks(phase3), ACTIVATE_K2 + 1)).resolves.toBeDefined();

    // Phase 4: k1 removed from the configuration; nothing changes for clients.
    const phase4 = await deploy([{ privateKey: k2, kid: 'k2', activateAt: ACTIVATE_K2 }]);
    expect(fetchJwks(phase4)).toEqual(fetchJwks(phase3));
  });

  it('keeps a key that signs until its retireAt published until its last token has expired', async () => {
    // Hand-over at one instant: k1 signs until SWITCH, k2 from SWITCH on.
    const SWITCH = T0 + 500;
    clock.set(T0);
    const set = await deploy([
      { privateKey: k1, kid: 'k1', retireAt: SWITCH },
      { privateKey: k2, kid: 'k2', activateAt: SWITCH },
    ]);
    const verifier = set.verificationKey();

    // The latest token k1 can sign: at the last millisecond before SWITCH, living the maximum.
    clock.set(SWITCH - 0.001);
    expect(set.signingKey().kid).toBe('k1');
    const latest = await issue(set, clock);
    const exp = decodeExp(latest);
    expect(exp).toBe(SWITCH - 1 + MAX_LIFETIME);
    clock.set(SWITCH);
    expect(set.signingKey().kid).toBe('k2');

    // It verifies (module's own verifier and a resource server) at every moment of its life.
    for (const at of [SWITCH, SWITCH + MAX_LIFETIME / 2, exp - 1]) {
      clock.set(at);
      await expect(verifyAsResourceServer(latest, fetchJwks(set), at)).resolves.toBeDefined();
      await expect(jwtVerify(latest, verifier, { currentDate: new Date(at * 1000) })).resolves.toBeDefined();
    }
    clock.set(exp);
    await expect(verifyAsResourceServer(latest, fetchJwks(set), exp)).rejects.toBeInstanceOf(errors.JWTExpired);

    // The key itself leaves at retireAt + max lifetime exactly (after every token it signed expired).
    clock.set(SWITCH + MAX_LIFETIME - 0.001);
    await expect(signatureVerifies(latest, fetchJwks(set))).resolves.toBeDefined();
    await expect(compactVerify(latest, verifier)).resolves.toBeDefined();
    clock.set(SWITCH + MAX_LIFETIME);
    expect(kidsOf(fetchJwks(set))).toEqual(['k2']);
    await expect(signatureVerifies(latest, fetchJwks(set))).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    await expect(compactVerify(latest, verifier)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
  });

  it('does not let a token outlive its key: the signer refuses an exp past the publication window', async () => {
    const SWITCH = T0 + 500;
    clock.set(T0);
    const set = await deploy([
      { privateKey: k1, kid: 'k1', retireAt: SWITCH },
      { privateKey: k2, kid: 'k2', activateAt: SWITCH },
    ]);
    clock.set(SWITCH - 1);
    await expect(issue(set, clock, MAX_LIFETIME + 1)).rejects.toThrow(TypeError);
  });
});

function decodeExp(token: string): number {
  return decodeJwt(token).exp as number;
}
