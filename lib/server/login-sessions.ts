import type { Request, Response } from 'express';
import type { McpAuthStore } from '../storage/mcp-auth-store.interface.js';
import { generateSecret } from '../storage/secret-key.js';
import { StoreNamespace } from '../storage/store-key.js';
import { readCookie } from '../oauth/transactions/browser-binding.js';
import type { AuthenticatedUser } from './user-authenticator.js';

/** A signed-in browser session of the authorization server (level 4). */
export interface LoginSession {
  readonly user: AuthenticatedUser;
  /** Epoch ms of the sign-in. */
  readonly authTime: number;
}

const SESSIONS = new StoreNamespace<LoginSession>('oauth-session');

/**
 * Browser sessions after sign-in: a random id in an HttpOnly, SameSite=Lax cookie (`__Host-`
 * and `Secure` with https), the session kept server-side under the id's hash. Every sign-in
 * issues a new id, so a session id planted before sign-in is worthless (session fixation, C-14).
 */
export class LoginSessions {
  private readonly cookieName: string;

  constructor(
    private readonly store: McpAuthStore,
    private readonly ttlSeconds: number,
    private readonly secure: boolean,
  ) {
    this.cookieName = `${secure ? '__Host-' : ''}mcp_auth_session`;
  }

  async current(request: Request): Promise<LoginSession | undefined> {
    const id = readCookie(request, this.cookieName);
    if (!id || id.length > 128) return undefined;
    return this.store.get(SESSIONS.secret(id));
  }

  /** Starts a new session (dropping any previous one of this browser) and sets its cookie. */
  async start(request: Request, response: Response, user: AuthenticatedUser, now: number): Promise<void> {
    const previous = readCookie(request, this.cookieName);
    if (previous && previous.length <= 128) await this.store.delete(SESSIONS.secret(previous));
    const id = generateSecret();
    await this.store.set(SESSIONS.secret(id), { user, authTime: now }, this.ttlSeconds * 1000);
    response.append(
      'Set-Cookie',
      `${this.cookieName}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${this.ttlSeconds}${this.secure ? '; Secure' : ''}`,
    );
  }
}
