import { StoreNamespace } from '../../storage/store-key.js';
import type { Sealed } from '../../storage/record-cipher.js';

/**
 * An authorization request in progress, from `/authorize` until a code is issued (or the user
 * refuses): at most `transactionTtlSeconds` (10 minutes by default), single use.
 */
export interface AuthorizationTransaction {
  readonly clientId: string;
  /** The validated redirect URI the answer goes to. */
  readonly redirectUri: string;
  /** Whether the client sent `redirect_uri` (then the token request must repeat it). */
  readonly redirectUriSent: boolean;
  readonly state?: string;
  readonly codeChallenge: string;
  readonly scopes: readonly string[];
  /** Canonical RFC 8707 resource the token will be for. */
  readonly resource: string;
  /** Hash of the browser-binding secret set when the user approved (consent → callback, C-11). */
  readonly bindingHash?: string;
  /** Proxy: the upstream leg's own PKCE verifier (never the client's). */
  readonly upstreamVerifier?: string;
  /** Server: the signed-in user, once known, and claims for their tokens. */
  readonly subject?: string;
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** What an authorization code stands for; stored under the code's hash, single use. */
export interface AuthorizationCodeRecord {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly redirectUriSent: boolean;
  readonly codeChallenge: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  readonly subject: string;
  /** Claims to copy into access tokens (e.g. the upstream identity's name, email). */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** Proxy: the upstream tokens, encrypted (opaque here; the proxy seals and opens them). */
  readonly upstream?: Sealed<unknown>;
}

/** A grant: one user's authorization of one client for one resource (a refresh-token family). */
export interface GrantRecord {
  readonly grantId: string;
  readonly clientId: string;
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  /** Epoch seconds. */
  readonly createdAt: number;
  readonly claims?: Readonly<Record<string, unknown>>;
  readonly upstream?: Sealed<unknown>;
}

/** An active refresh token, stored under its hash. */
export interface RefreshTokenRecord {
  readonly grantId: string;
  readonly clientId: string;
  /** Scopes of the grant (a refresh may narrow the access token, never the grant, R-04). */
  readonly scopes: readonly string[];
  readonly resource: string;
}

/** Left behind by a rotated refresh token, to tell a benign retry from a stolen token. */
export interface RotatedRefreshMarker {
  readonly grantId: string;
  /** Epoch ms of the rotation. */
  readonly rotatedAt: number;
  /** Hash of the refresh token that replaced it. */
  readonly successorHash: string;
}

/** The grants of one user ("connected apps"), to list and revoke them without scanning the store. */
export interface UserGrantIndex {
  readonly grants: ReadonlyArray<{ readonly grantId: string; readonly clientId: string; readonly createdAt: number }>;
}

/**
 * A remembered consent (policy P-11, off by default): this browser (and, at level 4, this user)
 * approved this client for these scopes and this redirect URI.
 */
export interface RememberedConsent {
  /** Hash of the browser's consent-cookie secret. */
  readonly browserHash: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  /** The client's consent generation when approved: revoking any grant of the client bumps it. */
  readonly generation: number;
}

/** Store namespaces of the authorization server's records. */
export const OAUTH_RECORDS = {
  transactions: new StoreNamespace<AuthorizationTransaction>('oauth-tx'),
  codes: new StoreNamespace<AuthorizationCodeRecord>('oauth-code'),
  usedCodes: new StoreNamespace<{ grantId: string }>('oauth-code-used'),
  grants: new StoreNamespace<GrantRecord>('oauth-grant'),
  refreshTokens: new StoreNamespace<RefreshTokenRecord>('oauth-rt'),
  rotatedRefreshTokens: new StoreNamespace<RotatedRefreshMarker>('oauth-rt-rotated'),
  revokedGrants: new StoreNamespace<{ revokedAt: number }>('oauth-revoked'),
  userGrants: new StoreNamespace<UserGrantIndex>('oauth-user-grants'),
  rememberedConsents: new StoreNamespace<RememberedConsent>('oauth-consent'),
  consentGenerations: new StoreNamespace<number>('oauth-consent-gen'),
} as const;
