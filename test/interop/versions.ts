/**
 * Every external client and suite of the interop matrix, pinned to an exact version so a run is
 * reproducible. The npx packages are fetched from the npm registry on first use and cached by
 * npm (`~/.npm/_npx`); the SDK clients come from this repository's lockfile.
 */
export const PINNED = {
  /** Node for the tools that require it (the conformance CLI ≥ 0.1.14 and Inspector v2 need ≥ 22). */
  node22: { name: 'node', version: '22.23.3' },
  /** The official MCP conformance suite; `server` mode grades an MCP server. */
  conformance: { name: '@modelcontextprotocol/conformance', version: '0.1.16' },
  /**
   * The conformance suite's 0.2.0 alpha line (newest published alpha when pinned; the registry's
   * `latest` is still 0.1.16): its `authorization` command grades an OAuth authorization server
   * (RFC 8414 metadata, then an authorization-code grant with PKCE and `resource`).
   */
  conformanceAlpha: { name: '@modelcontextprotocol/conformance', version: '0.2.0-alpha.12' },
  /** MCP Inspector v2 (CLI mode), built on `@modelcontextprotocol/client` 2.x. */
  inspector: { name: '@modelcontextprotocol/inspector', version: '2.12.0' },
  /**
   * mcp-remote, the stdio ↔ HTTP bridge desktop clients launch (`npx mcp-remote <url>`): the
   * registry's `latest` when pinned, which is what such a config installs today.
   */
  mcpRemote: { name: 'mcp-remote', version: '0.15.1' },
  /** mcp-remote 0.1.x (geelen/mcp-remote), still pinned in many desktop configs; built on SDK v1. */
  mcpRemoteLegacy: { name: 'mcp-remote', version: '0.1.38' },
} as const;

export type PinnedPackage = (typeof PINNED)[keyof typeof PINNED];

export const spec = (pkg: PinnedPackage): string => `${pkg.name}@${pkg.version}`;

/** How each npx tool is run: its package, its binary, and whether it needs {@link PINNED.node22}. */
export const NPX_TOOLS = {
  conformance: { pkg: PINNED.conformance, bin: 'conformance', node22: true },
  conformanceAlpha: { pkg: PINNED.conformanceAlpha, bin: 'conformance', node22: true },
  inspector: { pkg: PINNED.inspector, bin: 'mcp-inspector', node22: true },
  mcpRemote: { pkg: PINNED.mcpRemote, bin: 'mcp-remote', node22: false },
  mcpRemoteLegacy: { pkg: PINNED.mcpRemoteLegacy, bin: 'mcp-remote', node22: false },
} as const;

export type NpxToolName = keyof typeof NPX_TOOLS;
