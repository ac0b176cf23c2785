import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { SigningKeySet } from '../keys/signing-key-set.js';
import { MCP_AUTH_STORE, type McpAuthStore } from '../storage/mcp-auth-store.interface.js';
import { StoreNamespace } from '../storage/store-key.js';
import type { AuthorizationServerSettings } from './authorization-server.settings.js';
import { MCP_AUTH_AS_SETTINGS } from './authorization-server.tokens.js';

/** What every instance sharing a store must agree on. */
interface InstanceFingerprint {
  readonly issuer: string;
  readonly resources: readonly string[];
  /** RFC 7638 thumbprints of the published public keys, sorted. */
  readonly keys: readonly string[];
}

const FINGERPRINTS = new StoreNamespace<InstanceFingerprint>('oauth-instance');
const FINGERPRINT_TTL_MS = 86_400_000;

/**
 * Start-up self-test of levels 3 and 4 (catalog F-16): instances that share a store but publish
 * different signing keys, issuer or resource reject each other's tokens at random, depending on
 * which instance a request reaches. Each instance compares its configuration with the last one
 * recorded in the shared store and logs an error naming what differs, then records its own.
 *
 * During a key rotation the difference is expected until every instance runs the new
 * configuration; the message says so. Failures of the store are ignored here (the endpoints
 * report them).
 */
@Injectable()
export class InstanceConsistencyCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('McpAuth');

  constructor(
    @Optional() @Inject(MCP_AUTH_AS_SETTINGS) private readonly settings: AuthorizationServerSettings | undefined,
    @Optional() @Inject(MCP_AUTH_STORE) private readonly store: McpAuthStore | undefined,
    @Optional() @Inject(SigningKeySet) private readonly keys: SigningKeySet | undefined,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.settings || !this.store || !this.keys) return;
    try {
      const mine = await this.fingerprint(this.settings, this.keys);
      const key = FINGERPRINTS.key(createHash('sha256').update(this.settings.issuer).digest('base64url'));
      const recorded = await this.store.get(key);
      const differences = recorded ? describeDifferences(recorded, mine) : [];
      if (differences.length > 0) {
        this.logger.error(
          `Another instance sharing this store has a different configuration (${differences.join('; ')}): tokens issued by one are refused by the other. Give every instance the same signing keys and resource URL (expected briefly while rolling out a key rotation).`,
        );
      }
      await this.store.set(key, mine, FINGERPRINT_TTL_MS);
    } catch {
      // The store is down: the endpoints answer 503 and say so.
    }
  }

  private async fingerprint(settings: AuthorizationServerSettings, keys: SigningKeySet): Promise<InstanceFingerprint> {
    const thumbprints = await Promise.all(keys.publicJwks().keys.map((jwk) => calculateJwkThumbprint(jwk)));
    return { issuer: settings.issuer, resources: [...settings.resources].sort(), keys: thumbprints.sort() };
  }
}

function describeDifferences(recorded: InstanceFingerprint, mine: InstanceFingerprint): string[] {
  const differences: string[] = [];
  if (JSON.stringify(recorded.resources) !== JSON.stringify(mine.resources)) {
    differences.push(`resource ${recorded.resources.join(', ')} there, ${mine.resources.join(', ')} here`);
  }
  const shared = mine.keys.filter((key) => recorded.keys.includes(key));
  if (shared.length === 0) differences.push('no signing key in common');
  else if (shared.length !== mine.keys.length || shared.length !== recorded.keys.length) {
    differences.push('the published signing keys differ');
  }
  return differences;
}
