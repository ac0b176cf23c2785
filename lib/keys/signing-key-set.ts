import { Logger } from '@nestjs/common';
import { createLocalJWKSet, exportJWK, generateKeyPair, type CryptoKey, type JWTVerifyGetKey } from 'jose';
import type { McpAuthClock } from '../core/clock.js';
import { McpAuthConfigurationError } from '../core/errors/configuration.error.js';
import { NoActiveSigningKeyError } from './keys.errors.js';
import type { SigningAlgorithm, SigningKeyOptions } from './signing-key-options.js';
import { checkUniqueKids, importSigningKey, type KeyEntry, type PublishedJwk } from './signing-key-entry.js';
import { inspectSigningKeys } from './validate-signing-key-options.js';

export type { PublishedJwk } from './signing-key-entry.js';

const logger = new Logger('McpAuthKeys');

/** What {@link SigningKeySet.create} needs besides the keys. @publicApi */
export interface SigningKeySetContext {
  /** Production refuses to run without configured keys (security catalog F-21, AS-02). */
  readonly production: boolean;
  /** The only clock read for activation, retirement and publication. */
  readonly clock: McpAuthClock;
  /**
   * Longest lifetime of an access token signed by the set, in seconds. A retired key stays
   * published this long after its `retireAt`, so every token it signed still verifies.
   */
  readonly maxTokenLifetimeSeconds: number;
  /**
   * Option path used in messages.
   * @default 'signingKeys'
   */
  readonly path?: string;
}

/** The JWKS document served at `jwks_uri` (RFC 7517 §5). @publicApi */
export interface PublishedJwks {
  keys: PublishedJwk[];
}

/** The key that signs now. @publicApi */
export interface ActiveSigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  /** The private key, imported as a non-extractable `CryptoKey`. */
  readonly key: CryptoKey;
}

/** The published keys, valid while the clock stays in `[from, until)`. */
interface PublishedState {
  readonly from: number;
  readonly until: number;
  readonly kids: string;
  readonly entries: readonly KeyEntry[];
  readonly resolver: JWTVerifyGetKey;
}

/**
 * The private keys that sign the access tokens issued by levels 3 and 4, and their public
 * JWKS. Keys come from configuration (the same keys on every instance and after every restart,
 * security catalog AS-02); several at once allow rotation with publish-before-sign (AS-03,
 * F-06):
 *
 * - {@link signingKey}: among the keys whose `activateAt` has passed and whose `retireAt` has
 *   not, the one activated most recently (ties: the first listed);
 * - {@link publicJwks}: every key from the moment it is configured (even before `activateAt`)
 *   until `retireAt` + `maxTokenLifetimeSeconds`;
 * - {@link verificationKey}: a jose key resolver over the same published keys, for the
 *   module's own verifier.
 *
 * Without configured keys, development uses an ephemeral ES256 key and warns (its tokens die
 * with the process); production refuses to start.
 *
 * @publicApi
 */
export class SigningKeySet {
  /** The algorithms of the configured keys (each once), for the verifier's allowlist. */
  readonly algorithms: readonly SigningAlgorithm[];
  private state: PublishedState | undefined;
  private readonly resolver: JWTVerifyGetKey = (header, token) => this.currentState().resolver(header, token);

  private constructor(
    private readonly entries: readonly KeyEntry[],
    /** The clock every time-dependent decision reads. */
    readonly clock: McpAuthClock,
    /** Longest lifetime of a token signed by this set, in seconds. */
    readonly maxTokenLifetimeSeconds: number,
    /** Whether the keys were generated for this process only (development without keys). */
    readonly ephemeral: boolean,
  ) {
    this.algorithms = Object.freeze([...new Set(entries.map((entry) => entry.alg))]);
  }

  /**
   * Validates the configured keys and imports them.
   *
   * @param options the configured keys; `undefined` means none (an ephemeral development key,
   *   refused in production).
   * @throws McpAuthConfigurationError naming every invalid key option, when keys are missing in
   *   production, and when no key signs at bootstrap (all retired or not yet active).
   * @throws TypeError when `maxTokenLifetimeSeconds` is not a positive integer.
   */
  static async create(
    options: readonly SigningKeyOptions[] | undefined,
    context: SigningKeySetContext,
  ): Promise<SigningKeySet> {
    const { clock, maxTokenLifetimeSeconds: maxLifetime } = context;
    if (!Number.isSafeInteger(maxLifetime) || maxLifetime <= 0) {
      throw new TypeError('SigningKeySet: maxTokenLifetimeSeconds must be a positive integer');
    }
    const path = context.path ?? 'signingKeys';
    if (options === undefined) {
      if (context.production) {
        throw new McpAuthConfigurationError([
          `${path}: required in production: configure at least one private signing key (JWK or PKCS#8 PEM, e.g. from "npx nestjs-mcp-auth keys generate"). An ephemeral key would invalidate every issued token on restart and differ between instances (security catalog AS-02).`,
        ]);
      }
      return SigningKeySet.ephemeralSet(clock, maxLifetime, path);
    }
    const problems: string[] = [];
    const inspected = inspectSigningKeys(path, options, problems);
    if (problems.length > 0) throw new McpAuthConfigurationError(problems);
    const entries = await Promise.all(inspected.map((key) => importSigningKey(key, maxLifetime, problems)));
    checkUniqueKids(entries, problems);
    const now = clock.now() / 1000;
    const gap = firstGap(entries, now);
    if (gap === now) {
      problems.push(`${path}: no key signs now (every key is retired or not yet active)`);
    }
    if (problems.length > 0) throw new McpAuthConfigurationError(problems);
    if (gap !== undefined) {
      logger.warn(
        `${path}: no key signs from ${new Date(gap * 1000).toISOString()} (every key is retired or not yet active then); access tokens cannot be issued from that moment. Add a key that activates by then.`,
      );
    }
    return new SigningKeySet(entries, clock, maxLifetime, false);
  }

  private static async ephemeralSet(clock: McpAuthClock, maxLifetime: number, path: string): Promise<SigningKeySet> {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const problems: string[] = [];
    const [inspected] = inspectSigningKeys(path, [{ privateKey: await exportJWK(privateKey) }], problems);
    const entry = await importSigningKey(inspected!, maxLifetime, problems);
    if (problems.length > 0) throw new Error(`SigningKeySet: the ephemeral key is unusable: ${problems.join('; ')}`);
    logger.warn(
      `No ${path} configured: signing access tokens with an EPHEMERAL ES256 key (kid ${entry.kid}). Every token it signs becomes invalid when this process restarts, and other instances cannot verify it. Development only: configure ${path} (npx nestjs-mcp-auth keys generate) before production.`,
    );
    return new SigningKeySet([entry], clock, maxLifetime, true);
  }

  /**
   * The key that signs now: among the keys whose `activateAt` has passed and whose `retireAt`
   * has not, the one activated most recently (ties: the first listed).
   * @throws NoActiveSigningKeyError when every key is retired or not yet active.
   */
  signingKey(): ActiveSigningKey {
    const now = this.nowSeconds();
    let current: KeyEntry | undefined;
    for (const entry of this.entries) {
      if (isActive(entry, now) && (current === undefined || entry.activateAt > current.activateAt)) current = entry;
    }
    if (current === undefined) {
      throw new NoActiveSigningKeyError('No signing key is active now: every key is retired or not yet active');
    }
    return { kid: current.kid, alg: current.alg, key: current.privateKey };
  }

  /**
   * The JWKS to serve at `jwks_uri`: every key not yet past `retireAt` +
   * `maxTokenLifetimeSeconds` (keys waiting for their `activateAt` included), each with its
   * public members, `kid`, `alg` and `use: "sig"` only (security catalog M-10). A new object on
   * every call; serialise it with `JSON.stringify`.
   */
  publicJwks(): PublishedJwks {
    return { keys: this.currentState().entries.map((entry) => ({ ...entry.publicJwk })) };
  }

  /**
   * A jose key resolver (for `jwtVerify`) over the keys {@link publicJwks} publishes at the
   * moment of each verification. The same function is returned every time; the underlying
   * `createLocalJWKSet` is rebuilt only when the published set changes.
   */
  verificationKey(): JWTVerifyGetKey {
    return this.resolver;
  }

  private nowSeconds(): number {
    return this.clock.now() / 1000;
  }

  private currentState(): PublishedState {
    const now = this.nowSeconds();
    const state = this.state;
    if (state !== undefined && now >= state.from && now < state.until) return state;
    const entries = this.entries.filter((entry) => now < entry.publishedUntil);
    const kids = entries.map((entry) => entry.kid).join('\n');
    const gone = this.entries.filter((entry) => now >= entry.publishedUntil).map((entry) => entry.publishedUntil);
    this.state = {
      from: Math.max(Number.NEGATIVE_INFINITY, ...gone),
      until: Math.min(Number.POSITIVE_INFINITY, ...entries.map((entry) => entry.publishedUntil)),
      kids,
      entries,
      resolver:
        state !== undefined && state.kids === kids
          ? state.resolver
          : createLocalJWKSet({ keys: entries.map((entry) => ({ ...entry.publicJwk })) }),
    };
    return this.state;
  }
}

function isActive(entry: KeyEntry, now: number): boolean {
  return entry.activateAt <= now && now < entry.retireAt;
}

/** The first moment from `now` on at which no key signs, if any. */
function firstGap(entries: readonly KeyEntry[], now: number): number | undefined {
  const moments = entries
    .flatMap((entry) => [entry.activateAt, entry.retireAt])
    .filter((moment) => Number.isFinite(moment) && moment > now)
    .sort((a, b) => a - b);
  return [now, ...moments].find((moment) => !entries.some((entry) => isActive(entry, moment)));
}
