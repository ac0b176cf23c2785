/** What the bench starts and measures. */

export type ServerId = 'ours-protected' | 'ours-unprotected' | 'sdk-protected' | 'ours-nocache' | 'nest-bare';

export interface ServerSpec {
  readonly id: ServerId;
  readonly label: string;
  /** Compiled server program, relative to this file. */
  readonly script: string;
  readonly env: Record<string, string>;
  /** Whether it verifies tokens (and so fetches the JWKS). */
  readonly protected: boolean;
}

export const SERVERS: readonly ServerSpec[] = [
  {
    id: 'ours-protected',
    label: 'ours, protected (JWT verifier, default options)',
    script: './servers/nest-mcp.server.js',
    env: { BENCH_AUTH: 'jwt' },
    protected: true,
  },
  {
    id: 'ours-unprotected',
    label: 'ours, unprotected baseline (McpAuthGuard overridden, no verification)',
    script: './servers/nest-mcp.server.js',
    env: { BENCH_AUTH: 'off' },
    protected: false,
  },
  {
    id: 'sdk-protected',
    label: 'SDK v2 recipe, protected (createMcpHandler + toNodeHandler + requireBearerAuth, Express 5)',
    script: './servers/sdk-express.server.js',
    env: {},
    protected: true,
  },
  {
    id: 'ours-nocache',
    label: 'ours, protected, verification cache off (`cache: false`)',
    script: './servers/nest-mcp.server.js',
    env: { BENCH_AUTH: 'jwt', BENCH_VERIFY_CACHE: 'off' },
    protected: true,
  },
  {
    id: 'nest-bare',
    label: 'bare Nest POST route, same JSON (no MCP, no auth)',
    script: './servers/nest-bare.server.js',
    env: {},
    protected: false,
  },
];

export type ScenarioId =
  | 'ours-protected'
  | 'ours-unprotected'
  | 'sdk-protected'
  | 'ours-protected-badsig'
  | 'ours-nocache'
  | 'ours-nocache-badsig'
  | 'nest-bare';

/** One measured window kind: a server, the token sent, the status every response must have. */
export interface Scenario {
  readonly id: ScenarioId;
  readonly server: ServerId;
  readonly token: 'valid' | 'badSignature';
  readonly expectStatus: 200 | 401;
  readonly label: string;
}

export const SCENARIOS: readonly Scenario[] = [
  { id: 'ours-protected', server: 'ours-protected', token: 'valid', expectStatus: 200, label: 'ours, protected' },
  {
    id: 'ours-unprotected',
    server: 'ours-unprotected',
    token: 'valid',
    expectStatus: 200,
    label: 'ours, unprotected (baseline)',
  },
  {
    id: 'sdk-protected',
    server: 'sdk-protected',
    token: 'valid',
    expectStatus: 200,
    label: 'SDK v2 recipe, protected',
  },
  {
    id: 'ours-protected-badsig',
    server: 'ours-protected',
    token: 'badSignature',
    expectStatus: 401,
    label: 'ours, protected: bad-signature token (401)',
  },
  {
    id: 'ours-nocache',
    server: 'ours-nocache',
    token: 'valid',
    expectStatus: 200,
    label: 'ours, protected, cache off',
  },
  {
    id: 'ours-nocache-badsig',
    server: 'ours-nocache',
    token: 'badSignature',
    expectStatus: 401,
    label: 'ours, protected, cache off: bad-signature token (401)',
  },
  { id: 'nest-bare', server: 'nest-bare', token: 'valid', expectStatus: 200, label: 'bare Nest route (for scale)' },
];
