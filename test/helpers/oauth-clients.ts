import { randomUUID } from 'node:crypto';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError as UnauthorizedV1 } from '@modelcontextprotocol/sdk/client/auth.js';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
  UnauthorizedError as UnauthorizedV2,
} from '@modelcontextprotocol/client';
import { HeadlessBrowser, type FormPolicy, approveAll } from './headless-browser.js';

type Stored = Record<string, unknown>;

/**
 * An `OAuthClientProvider` for the official SDK clients (v1 and v2 share the shape) that keeps
 * everything in memory and, instead of opening a browser, walks the authorization pages with a
 * {@link HeadlessBrowser} and keeps the callback URL for `finishAuth`.
 */
export class HeadlessOAuthProvider {
  readonly store: Stored = {};
  readonly authorizationUrls: URL[] = [];
  lastCallback: URL | undefined;
  private expectedState: string | undefined;

  constructor(
    readonly redirectUri = 'http://127.0.0.1:6276/oauth/callback',
    private readonly browser = new HeadlessBrowser(approveAll()),
    private readonly metadata: Record<string, unknown> = {},
  ) {}

  get redirectUrl(): string {
    return this.redirectUri;
  }

  get clientMetadata() {
    return {
      client_name: 'nestjs-mcp-auth e2e client',
      redirect_uris: [this.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...this.metadata,
    };
  }

  state(): string {
    this.expectedState = randomUUID();
    return this.expectedState;
  }

  clientInformation() {
    return this.store.client as never;
  }
  saveClientInformation(info: unknown) {
    this.store.client = info;
  }
  tokens() {
    return this.store.tokens as never;
  }
  saveTokens(tokens: unknown) {
    this.store.tokens = tokens;
  }
  saveCodeVerifier(verifier: string) {
    this.store.verifier = verifier;
  }
  codeVerifier() {
    return this.store.verifier as string;
  }
  saveDiscoveryState(state: unknown) {
    this.store.discovery = state;
  }
  discoveryState() {
    return this.store.discovery as never;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'client') delete this.store.client;
    if (scope === 'all' || scope === 'tokens') delete this.store.tokens;
    if (scope === 'all' || scope === 'verifier') delete this.store.verifier;
    if (scope === 'all' || scope === 'discovery') delete this.store.discovery;
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    this.authorizationUrls.push(url);
    const callback = await this.browser.authorize(url, this.redirectUri);
    if (callback.searchParams.get('state') !== this.expectedState) throw new Error('state mismatch in the callback');
    this.lastCallback = callback;
  }
}

export type SdkVersion = 'v1' | 'v2';

/**
 * An official SDK client that logs in by itself: on `UnauthorizedError` (the SDK stopped to let
 * the user authorize) it finishes the flow with the captured callback and retries once.
 */
export class OAuthMcpClient {
  readonly provider: HeadlessOAuthProvider;
  client: ClientV1 | ClientV2 | undefined;

  constructor(
    readonly version: SdkVersion,
    readonly mcpUrl: string,
    options: { policy?: FormPolicy; redirectUri?: string; metadata?: Record<string, unknown> } = {},
  ) {
    this.provider = new HeadlessOAuthProvider(
      options.redirectUri,
      new HeadlessBrowser(options.policy ?? approveAll()),
      options.metadata,
    );
  }

  async connect(): Promise<void> {
    await this.withLogin(async () => {
      await this.client?.close().catch(() => undefined);
      const { client, transport } = this.create();
      await client.connect(transport as never);
      this.client = client;
    });
  }

  async callTool(name: string, args: Record<string, unknown> = {}): Promise<unknown> {
    return this.withLogin(() => (this.client as ClientV2).callTool({ name, arguments: args }));
  }

  async listTools(): Promise<string[]> {
    return this.withLogin(async () => (await (this.client as ClientV2).listTools()).tools.map((t) => t.name));
  }

  async close(): Promise<void> {
    await this.client?.close().catch(() => undefined);
  }

  private transportRef: TransportV1 | TransportV2 | undefined;

  private create(): { client: ClientV1 | ClientV2; transport: TransportV1 | TransportV2 } {
    const info = { name: `e2e-${this.version}`, version: '1.0.0' };
    const url = new URL(this.mcpUrl);
    const transport =
      this.version === 'v1'
        ? new TransportV1(url, { authProvider: this.provider as never })
        : new TransportV2(url, { authProvider: this.provider as never });
    this.transportRef = transport;
    return { client: this.version === 'v1' ? new ClientV1(info) : new ClientV2(info), transport };
  }

  /** Runs `action`; if the SDK stopped for an authorization, finishes it and runs it again. */
  private async withLogin<T>(action: () => Promise<T>, attempts = 3): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await action();
      } catch (error) {
        const unauthorized = error instanceof UnauthorizedV1 || error instanceof UnauthorizedV2;
        if (!unauthorized || attempt >= attempts || !this.provider.lastCallback) throw error;
        const callback = this.provider.lastCallback;
        this.provider.lastCallback = undefined;
        if (this.version === 'v1')
          await (this.transportRef as TransportV1).finishAuth(callback.searchParams.get('code') as string);
        else await (this.transportRef as TransportV2).finishAuth(callback.searchParams);
        // The transport that stopped for the login is spent: reconnect with the new tokens.
        const { client, transport } = this.create();
        await client.connect(transport as never);
        this.client = client;
      }
    }
  }
}
