/** Values shared by the runner and the server programs. */

/** Scope every protected stack requires and every valid bench token carries. */
export const BENCH_SCOPE = 'mcp:tools';

/** `client_id` of the bench tokens: the tool answers `hi:<client_id>`. */
export const BENCH_CLIENT_ID = 'bench-client';

/** `kid` of the signing key published by the bench JWKS server. */
export const BENCH_KID = 'bench-key-1';

/** The measured request: a JSON-RPC `tools/call` of `echo {text:"hi"}`. */
export const TOOL_CALL_BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text: 'hi' } },
});

/** What every stack must answer to {@link TOOL_CALL_BODY}. */
export const EXPECTED_TEXT = `hi:${BENCH_CLIENT_ID}`;

/** JSON Schema of the echo tool's input, identical on every stack. */
export const ECHO_INPUT_SCHEMA = {
  type: 'object',
  properties: { text: { type: 'string' } },
  required: ['text'],
} as const;

/** Line a server prints on stdout once it listens: `BENCH_READY {"port":…,"pid":…}`. */
export const READY_PREFIX = 'BENCH_READY ';
