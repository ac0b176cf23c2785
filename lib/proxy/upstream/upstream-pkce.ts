import { createHash, randomBytes } from 'node:crypto';

/** RFC 7636 §4.1: 43–128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`. */
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * The per-transaction secrets of the proxy → upstream leg, to be stored with the transaction.
 * @publicApi
 */
export interface UpstreamTransactionSecrets {
  /** `state` sent upstream and echoed back to the callback (256 random bits). */
  readonly state: string;
  /** The proxy's own PKCE verifier; never the MCP client's (256 random bits, 43 characters). */
  readonly codeVerifier: string;
  /** OpenID Connect `nonce`, bound into the ID token (256 random bits). */
  readonly nonce: string;
}

/** 32 random bytes, base64url: a 43-character RFC 7636 code verifier. @publicApi */
export function createCodeVerifier(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The S256 code challenge of a verifier: `BASE64URL(SHA256(ASCII(verifier)))` (RFC 7636 §4.2).
 * @throws TypeError when `verifier` is not a valid RFC 7636 code verifier.
 * @publicApi
 */
export function codeChallengeS256(verifier: string): string {
  if (!isCodeVerifier(verifier)) throw new TypeError('the code verifier must be 43-128 RFC 7636 characters');
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** Whether `value` is a syntactically valid RFC 7636 code verifier. @publicApi */
export function isCodeVerifier(value: unknown): value is string {
  return typeof value === 'string' && CODE_VERIFIER.test(value);
}

/** Fresh `state`, PKCE verifier and `nonce` for one upstream authorization. @publicApi */
export function createUpstreamTransactionSecrets(): UpstreamTransactionSecrets {
  return {
    state: randomBytes(32).toString('base64url'),
    codeVerifier: createCodeVerifier(),
    nonce: randomBytes(32).toString('base64url'),
  };
}
