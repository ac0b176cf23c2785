import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { MCP_ACCESS_TOKEN_PROPERTY, type McpAccessToken } from '../../lib/index.js';
import { BENCH_CLIENT_ID, BENCH_SCOPE } from '../bench.constants.js';

/** What `McpAuthGuard` would store for a valid bench token. */
const FIXED_TOKEN: McpAccessToken = {
  token: 'unverified',
  sub: 'bench-user',
  clientId: BENCH_CLIENT_ID,
  scopes: [BENCH_SCOPE],
  expiresAt: Math.floor(Date.now() / 1000) + 24 * 3600,
  claims: { sub: 'bench-user', client_id: BENCH_CLIENT_ID, scope: BENCH_SCOPE },
};

/**
 * BASELINE ONLY — authentication switched off. Replaces `McpAuthGuard` in the "ours,
 * unprotected" server (through `overrideGuard`): it reads no header and verifies nothing, and
 * stores the token the real guard would have stored, so the same transport, tool registry and
 * `@CurrentToken()` code run as in the protected server, minus token verification.
 */
@Injectable()
export class FixedTokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Record<string, unknown>>();
    request[MCP_ACCESS_TOKEN_PROPERTY] = FIXED_TOKEN;
    return true;
  }
}
