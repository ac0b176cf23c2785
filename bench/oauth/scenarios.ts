/** What the OAuth benchmark starts and measures. */

export type OAuthServerId =
  | 'l1-jwt'
  | 'l3-memory'
  | 'l3-redis'
  | 'l3-oidc-provider'
  | 'l4-memory'
  | 'l4-redis'
  | 'l4-scrypt'
  | 'l3-tools'
  | 'l4-tools';

export interface OAuthServerSpec {
  readonly id: OAuthServerId;
  readonly label: string;
  readonly level: 1 | 3 | 4;
  readonly store: 'memory' | 'redis';
  /** Level 3: which upstream it is registered at. */
  readonly upstream?: 'local' | 'oidc-provider';
  /** Level 4: how sign-in checks the password. */
  readonly login?: 'direct' | 'scrypt';
}

export const OAUTH_SERVERS: readonly OAuthServerSpec[] = [
  { id: 'l1-jwt', label: 'level 1, JWT verifier (bench/servers/nest-mcp.server.ts)', level: 1, store: 'memory' },
  { id: 'l3-memory', label: 'level 3 proxy, memory store', level: 3, store: 'memory', upstream: 'local' },
  { id: 'l3-redis', label: 'level 3 proxy, Redis store', level: 3, store: 'redis', upstream: 'local' },
  {
    id: 'l3-oidc-provider',
    label: 'level 3 proxy, memory store, oidc-provider upstream',
    level: 3,
    store: 'memory',
    upstream: 'oidc-provider',
  },
  { id: 'l4-memory', label: 'level 4, memory store', level: 4, store: 'memory', login: 'direct' },
  { id: 'l4-redis', label: 'level 4, Redis store', level: 4, store: 'redis', login: 'direct' },
  { id: 'l4-scrypt', label: 'level 4, memory store, built-in users', level: 4, store: 'memory', login: 'scrypt' },
  {
    id: 'l3-tools',
    label: 'level 3 proxy, memory store (tools/call only)',
    level: 3,
    store: 'memory',
    upstream: 'local',
  },
  { id: 'l4-tools', label: 'level 4, memory store (tools/call only)', level: 4, store: 'memory', login: 'direct' },
];

export type FlowScenarioId =
  'flow-l3-memory' | 'flow-l3-redis' | 'flow-l4-memory' | 'flow-l4-redis' | 'flow-l4-scrypt' | 'flow-l3-oidc-provider';

export interface FlowScenario {
  readonly id: FlowScenarioId;
  readonly server: OAuthServerId;
  readonly label: string;
  /** Informational comparison whose server is expected to be starved: never repeated. */
  readonly comparison?: boolean;
  /** Flows in progress, when not the run's setting. */
  readonly concurrency?: number;
}

export const FLOW_SCENARIOS: readonly FlowScenario[] = [
  { id: 'flow-l3-memory', server: 'l3-memory', label: 'level 3 proxy, memory store' },
  { id: 'flow-l3-redis', server: 'l3-redis', label: 'level 3 proxy, Redis store' },
  { id: 'flow-l4-memory', server: 'l4-memory', label: 'level 4, memory store' },
  { id: 'flow-l4-redis', server: 'l4-redis', label: 'level 4, Redis store' },
  {
    id: 'flow-l4-scrypt',
    server: 'l4-scrypt',
    label: 'level 4, memory store, built-in users (scrypt N=2^17), 4 flows in progress',
    // As many sign-ins as libuv runs scrypt at once (4 threads); more would only queue.
    concurrency: 4,
  },
  {
    id: 'flow-l3-oidc-provider',
    server: 'l3-oidc-provider',
    label: 'level 3 proxy, memory store, oidc-provider upstream (sign-in + consent there)',
    comparison: true,
  },
];

export type ToolScenarioId = 'tools-l1' | 'tools-l3' | 'tools-l4' | 'tools-l3-redis' | 'tools-l4-redis';

export interface ToolScenario {
  readonly id: ToolScenarioId;
  readonly server: OAuthServerId;
  readonly label: string;
}

export const TOOL_SCENARIOS: readonly ToolScenario[] = [
  { id: 'tools-l1', server: 'l1-jwt', label: 'level 1 JWT (baseline)' },
  { id: 'tools-l3', server: 'l3-tools', label: 'level 3, own token, memory store' },
  { id: 'tools-l4', server: 'l4-tools', label: 'level 4, own token, memory store' },
  { id: 'tools-l3-redis', server: 'l3-redis', label: 'level 3, own token, Redis store' },
  { id: 'tools-l4-redis', server: 'l4-redis', label: 'level 4, own token, Redis store' },
];
