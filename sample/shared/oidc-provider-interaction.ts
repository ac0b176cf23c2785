import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';

/** How one bundled oidc-provider shows and decides its sign-in and consent interactions. */
export interface InteractionOptions {
  /** Demo users: name → password. */
  readonly users: Readonly<Record<string, string>>;
  /** Path the provider is mounted at, `''` at the root (e.g. `/realms/demo`). */
  readonly mountPath?: string;
  /** `<title>` of both pages. */
  readonly title: string;
  /** Body of the sign-in page; its form posts `username` and `password` to `action`. */
  loginPage(view: { action: string; clientName: string }): string;
  /** Body of the consent page, with an approve form posting to `confirm` and a deny form to `abort`. */
  consentPage(view: { confirm: string; abort: string; clientName: string; scope: string }): string;
  /** Extra response headers of the pages (for example a CSP). */
  readonly headers?: Readonly<Record<string, string>>;
  /** `error_description` sent to the client when the user denies. */
  readonly denyDescription?: string;
}

/**
 * One oidc-provider interaction (`{mountPath}/interaction/{uid}[/{action}]`): GET shows the
 * sign-in or consent page; POST `login` checks the demo user, `confirm` grants every missing
 * scope, claim and resource scope, `abort` denies. Shared by the samples' bundled identity
 * providers and the tests' upstream fake, which differ only in their pages.
 * @param path the request path below `mountPath`.
 */
export async function handleInteraction(
  provider: Provider,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
  options: InteractionOptions,
): Promise<void> {
  const [, , uid, action] = path.split('?')[0].split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  const base = `${options.mountPath ?? ''}/interaction/${uid}`;
  if (req.method === 'GET') {
    const client = await provider.Client.find(String(details.params.client_id));
    const clientName = escapeHtml(client?.clientName ?? String(details.params.client_id));
    const body =
      details.prompt.name === 'login'
        ? options.loginPage({ action: `${base}/login`, clientName })
        : options.consentPage({
            confirm: `${base}/confirm`,
            abort: `${base}/abort`,
            clientName,
            scope: escapeHtml(String(details.params.scope ?? '')),
          });
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...options.headers });
    res.end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(options.title)}</title></head><body>${body}</body></html>`,
    );
    return;
  }
  if (req.method !== 'POST') throw new Error('use GET or POST');
  const form = new URLSearchParams(await readBody(req));
  if (action === 'login') {
    const username = form.get('username') ?? '';
    if (!Object.hasOwn(options.users, username) || options.users[username] !== form.get('password')) {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'wrong credentials' });
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: username } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  if (action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: options.denyDescription ?? 'the user denied access',
    });
    return;
  }
  const { prompt, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session?.accountId, clientId: String(params.client_id) });
  if (!grant) throw new Error('grant not found');
  const missing = prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  await provider.interactionFinished(
    req,
    res,
    { consent: { grantId: await grant.save() } },
    { mergeWithLastSubmission: true },
  );
}

/** Security headers of the samples' identity-provider pages. */
export const SAMPLE_PAGE_HEADERS = {
  // No form-action: Chromium applies it to the redirects after a submission, and these forms end
  // in a redirect to the client (test/browser/samples.e2e-spec.ts).
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
} as const;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 16_384) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** HTML-escapes untrusted text (client names, scopes). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
