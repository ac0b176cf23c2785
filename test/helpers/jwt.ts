import { randomUUID } from 'node:crypto';
import { SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import type { TestKey } from './keys.js';

export const b64u = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** Builds `header.payload.signature` by hand, for tokens jose would refuse to produce. */
export function rawJwt(header: unknown, payload: unknown, signature = ''): string {
  const part = (v: unknown) => b64u(typeof v === 'string' ? v : JSON.stringify(v));
  return `${part(header)}.${part(payload)}.${signature}`;
}

export interface MintOptions {
  key: TestKey | { privateKey: CryptoKey | Uint8Array; kid?: string; alg: string };
  alg?: string;
  header?: Record<string, unknown>;
  /** Omit these claims from the defaults. */
  omit?: string[];
}

/** Signs an access token with sensible defaults (`iat`, `nbf`, `exp` = now + 300, `jti`). */
export async function mint(
  claims: JWTPayload,
  options: MintOptions,
  now = Math.floor(Date.now() / 1000),
): Promise<string> {
  const defaults: JWTPayload = { iat: now, nbf: now, exp: now + 300, jti: randomUUID() };
  const payload: JWTPayload = { ...defaults, ...claims };
  for (const name of options.omit ?? []) delete payload[name];
  const alg = options.alg ?? options.key.alg;
  return new SignJWT(payload)
    .setProtectedHeader({ alg, kid: options.key.kid, typ: 'at+jwt', ...options.header } as never)
    .sign(options.key.privateKey);
}
