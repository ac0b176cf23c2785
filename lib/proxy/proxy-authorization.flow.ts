import type { Request, Response } from 'express';
import type { AuthorizationFlow } from '../oauth/authorization-flow.js';
import type { AuthorizationServerSettings } from '../oauth/authorization-server.settings.js';
import { redirect } from '../oauth/endpoints/endpoint-responses.js';
import type { AuthorizationTransaction } from '../oauth/grants/grant-records.js';
import type { StoredTransaction } from '../oauth/transactions/transaction.service.js';
import type { McpAuthStore } from '../storage/mcp-auth-store.interface.js';
import type { RecordCipher, Sealed } from '../storage/record-cipher.js';
import { StoreNamespace } from '../storage/store-key.js';
import { createUpstreamTransactionSecrets } from './upstream/upstream-pkce.js';
import type { UpstreamOAuthClient } from './upstream/upstream-oauth.client.js';

/** The proxy's own secrets of one upstream authorization request. */
export interface UpstreamLegSecrets {
  /** PKCE verifier of the upstream leg (only its S256 challenge went to the upstream). */
  readonly codeVerifier: string;
  /** OpenID Connect nonce. */
  readonly nonce: string;
}

/** The upstream leg of an approved transaction, stored under the hash of its `state`. */
export interface UpstreamLeg {
  /** The MCP transaction (its browser binding is checked at the callback). */
  readonly transactionId: string;
  readonly transaction: AuthorizationTransaction;
  /** Sealed for this leg's store key: the verifier is never at rest in clear (S-01). */
  readonly secrets: Sealed<UpstreamLegSecrets>;
}

export const UPSTREAM_LEGS = new StoreNamespace<UpstreamLeg>('oauth-upstream-leg');

/**
 * Level 3: after `/authorize`, the user approves this MCP client on the proxy's own consent page
 * — before anything is sent to the upstream identity provider (MCP confused-deputy rule, C-01).
 * On approval the proxy starts its own authorization request upstream, with its own PKCE
 * verifier and a fresh single-use `state` created only now (C-06), and keeps the transaction's
 * browser binding for the callback.
 */
export class ProxyAuthorizationFlow implements AuthorizationFlow {
  constructor(
    private readonly settings: AuthorizationServerSettings,
    private readonly store: McpAuthStore,
    private readonly upstream: UpstreamOAuthClient,
    private readonly cipher: RecordCipher,
    readonly identityProvider: string,
    /** Forward RFC 8707 `resource` to the upstream (when its preset allows it). */
    private readonly forwardResource: boolean,
  ) {}

  async start(request: Request, response: Response, stored: StoredTransaction): Promise<void> {
    redirect(request, response, `${this.settings.urls.consent}?tx=${encodeURIComponent(stored.id)}`);
  }

  async approved(request: Request, response: Response, stored: StoredTransaction): Promise<void> {
    const { state, codeVerifier, nonce } = createUpstreamTransactionSecrets();
    const key = UPSTREAM_LEGS.secret(state);
    const secrets = await this.cipher.seal<UpstreamLegSecrets>({ codeVerifier, nonce }, key);
    await this.store.set(
      key,
      { transactionId: stored.id, transaction: stored.transaction, secrets },
      this.settings.transactionTtlSeconds * 1000,
    );
    const url = await this.upstream.authorizationUrl({
      state,
      codeVerifier,
      nonce,
      scopes: stored.transaction.scopes,
      resource: this.forwardResource ? stored.transaction.resource : undefined,
    });
    redirect(request, response, url.href);
  }
}
