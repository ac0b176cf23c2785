import { exportJWK, generateKeyPair } from 'jose';
import type { McpAuthClock } from '../../core/clock.js';
import { InvalidTokenError } from '../../core/errors/token.errors.js';
import { AccessTokenSigner } from '../../keys/access-token-signer.js';
import { newJti } from '../../keys/jti.util.js';
import { SigningKeySet } from '../../keys/signing-key-set.js';
import { MemoryStore } from '../../storage/memory-store.js';
import type { StoreKey } from '../../storage/store-key.js';
import { OAUTH_RECORDS } from '../grants/grant-records.js';
import { GrantService } from '../grants/grant.service.js';
import { OwnTokenVerifier, REVOCATION_CHECK_SECONDS } from './own-token.verifier.js';

const ISSUER = 'https://as.example.com';
const RESOURCE = 'https://mcp.example.com/mcp';
const GRANT = 'grant-1';

/** A memory store whose revocation look-ups answer only when the test releases them, and are counted. */
class GatedStore extends MemoryStore {
  revocationReads = 0;
  private gates: Array<() => void> = [];

  override async get<T>(key: StoreKey<T>): Promise<T | undefined> {
    if (key.namespace !== OAUTH_RECORDS.revokedGrants.name) return super.get(key);
    this.revocationReads += 1;
    // The answer is read now and delivered when the test says, like a reply still on the wire.
    const answer = await super.get(key);
    await new Promise<void>((resolve) => this.gates.push(resolve));
    return answer;
  }

  /** Lets every waiting look-up read the store now. */
  release(): void {
    for (const open of this.gates.splice(0)) open();
  }

  get waiting(): number {
    return this.gates.length;
  }
}

describe('OwnTokenVerifier revocation look-ups', () => {
  let now: number;
  let clock: McpAuthClock;
  let store: GatedStore;
  let grants: GrantService;
  let verifier: OwnTokenVerifier;
  let token: string;

  /** Waits (event-loop turns, not time) until `count` look-ups wait at the gate. */
  const waitingFor = async (count: number) => {
    for (let turn = 0; turn < 1000 && store.waiting < count; turn++) await new Promise((r) => setImmediate(r));
    expect(store.waiting).toBe(count);
  };

  beforeEach(async () => {
    now = Date.now();
    clock = { now: () => now };
    store = new GatedStore({}, clock);
    grants = new GrantService(store, clock, {
      codeTtlSeconds: 60,
      refreshTokenTtlSeconds: 3600,
      refreshGraceSeconds: 10,
      accessTokenTtlSeconds: 600,
    });
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const keys = await SigningKeySet.create([{ privateKey: await exportJWK(privateKey) }], {
      production: false,
      clock,
      maxTokenLifetimeSeconds: 600,
    });
    verifier = new OwnTokenVerifier(keys, grants, clock, { issuer: ISSUER, resources: [RESOURCE] });
    const iat = Math.floor(now / 1000);
    token = await new AccessTokenSigner(keys).sign({
      iss: ISSUER,
      aud: RESOURCE,
      sub: 'user-1',
      client_id: 'client-1',
      scope: 'mcp:tools',
      iat,
      exp: iat + 600,
      jti: newJti(),
      gid: GRANT,
    });
  });
  afterEach(() => store.close());

  it('P-10: concurrent requests whose revocation memory expired share one store read', async () => {
    const first = verifier.verify(token);
    await waitingFor(1);
    store.release();
    await first;
    expect(store.revocationReads).toBe(1);

    now += (REVOCATION_CHECK_SECONDS + 1) * 1000;
    const burst = Array.from({ length: 16 }, () => verifier.verify(token));
    await waitingFor(1);
    // Every request of the burst has reached the revocation check (the token itself is cached).
    for (let turn = 0; turn < 50; turn++) await new Promise((r) => setImmediate(r));
    expect(store.waiting).toBe(1);
    store.release();
    const verified = await Promise.all(burst);
    expect(verified.every((t) => t.sub === 'user-1')).toBe(true);
    expect(store.revocationReads).toBe(2);

    // Remembered again: no read within the next 10 s.
    await verifier.verify(token);
    expect(store.revocationReads).toBe(2);
  });

  it('P-10: a grant revoked and forgotten during a look-up is asked again, not remembered', async () => {
    const inFlight = verifier.verify(token);
    await waitingFor(1);
    // Revoked on this instance after the look-up read the store, before its answer arrived.
    await store.set(OAUTH_RECORDS.revokedGrants.key(GRANT), { revokedAt: now }, 60_000);
    verifier.forgetGrant(GRANT);
    const after = verifier.verify(token).then(
      () => 'accepted',
      (error: unknown) => error,
    );
    await waitingFor(2);
    store.release();
    await inFlight.catch(() => undefined);
    expect(await after).toBeInstanceOf(InvalidTokenError);
    // Nothing remembered the grant as live: a later request is refused too.
    const later = verifier.verify(token).catch((error: unknown) => error);
    await waitingFor(1);
    store.release();
    expect(await later).toBeInstanceOf(InvalidTokenError);
  });
});
