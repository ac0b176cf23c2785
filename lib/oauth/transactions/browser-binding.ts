import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * Cookies that tie an authorization transaction to the browser that started it, so that
 * approving in one browser and finishing in another fails (cross-user session fixation, C-11,
 * CVE-2026-27124) and forms cannot be posted cross-site (C-03).
 *
 * One cookie per transaction (`mcp_auth_tx_<id prefix>`), HttpOnly, SameSite=Lax, Path=/, no
 * Domain, lifetime of the transaction; with an https issuer it is `Secure` and `__Host-`
 * prefixed. Only a hash of its secret is stored server-side.
 */
export class BrowserBinding {
  constructor(
    private readonly secure: boolean,
    private readonly ttlSeconds: number,
  ) {}

  /**
   * Sets the cookie for a transaction.
   * @returns the hash to store with the transaction, and the CSRF token for its forms.
   */
  bind(response: Response, transactionId: string, secret: string): { hash: string; csrfToken: string } {
    response.append(
      'Set-Cookie',
      `${this.name(transactionId)}=${secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${this.ttlSeconds}${this.secure ? '; Secure' : ''}`,
    );
    return { hash: hashSecret(secret), csrfToken: csrfOf(secret) };
  }

  /**
   * The CSRF token of a transaction's forms, derived from the cookie secret (signed double
   * submit): a page of another site can neither read the cookie nor compute the token.
   */
  csrfToken(request: Request, transactionId: string): string | undefined {
    const secret = readCookie(request, this.name(transactionId));
    return secret ? csrfOf(secret) : undefined;
  }

  /** Whether a submitted form carries this browser's CSRF token for the transaction. */
  csrfMatches(request: Request, transactionId: string, submitted: unknown): boolean {
    const expected = this.csrfToken(request, transactionId);
    if (!expected || typeof submitted !== 'string') return false;
    const a = Buffer.from(expected);
    const b = Buffer.from(submitted);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Whether the request carries the cookie whose hash was stored. */
  matches(request: Request, transactionId: string, storedHash: string | undefined): boolean {
    if (!storedHash) return false;
    const secret = readCookie(request, this.name(transactionId));
    if (!secret) return false;
    const presented = Buffer.from(hashSecret(secret));
    const expected = Buffer.from(storedHash);
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  }

  /** Expires the cookie once the transaction is over. */
  clear(response: Response, transactionId: string): void {
    response.append(
      'Set-Cookie',
      `${this.name(transactionId)}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${this.secure ? '; Secure' : ''}`,
    );
  }

  private name(transactionId: string): string {
    const id = createHash('sha256').update(transactionId).digest('base64url').slice(0, 12);
    return `${this.secure ? '__Host-' : ''}mcp_auth_tx_${id}`;
  }
}

function csrfOf(secret: string): string {
  return createHash('sha256').update(`csrf:${secret}`).digest('base64url');
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** Reads one cookie from the `Cookie` header (no cookie parser middleware required). */
export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
