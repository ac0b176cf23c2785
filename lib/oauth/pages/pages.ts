import { Inject } from '@nestjs/common';
import { html, page, untrusted } from './page-layout.js';

/** What the consent page shows (MCP security best practices, "Consent UI Requirements"). */
export interface ConsentPageModel {
  /** Name the client registered (untrusted text) and its id. */
  readonly clientName: string | undefined;
  readonly clientId: string;
  /** The exact redirect URI the code will be sent to, and its host in ASCII (punycode) form. */
  readonly redirectUri: string;
  readonly redirectHost: string;
  /** Scopes requested, and the identity provider the user will sign in with (proxy). */
  readonly scopes: readonly string[];
  readonly identityProvider?: string;
  /** The MCP server the token will be for. */
  readonly resource: string;
  /** Warn: a metadata-document client that only redirects to localhost (could be any local app). */
  readonly localhostOnlyWarning: boolean;
  /** Form target and CSRF token. */
  readonly action: string;
  readonly csrfToken: string;
  /** Offer "remember this decision" (policy P-11). */
  readonly offerRemember: boolean;
}

export interface LoginPageModel {
  readonly action: string;
  readonly csrfToken: string;
  readonly clientName: string | undefined;
  readonly username?: string;
  /** Generic failure text (never says whether the user exists). */
  readonly error?: string;
}

export interface ErrorPageModel {
  readonly title: string;
  /** Client-safe explanation. */
  readonly message: string;
  /** RFC error code, shown for support. */
  readonly error: string;
}

/**
 * Renders the authorization server's HTML pages. Replace it to brand them: provide your own
 * implementation under {@link MCP_AUTH_PAGES}; keep every field escaped and the forms' hidden
 * `csrf_token`, and the module's headers (strict CSP, frame denial) still apply.
 *
 * @publicApi
 */
export interface McpAuthPages {
  consent(model: ConsentPageModel): string;
  login(model: LoginPageModel): string;
  error(model: ErrorPageModel): string;
}

/** DI token of the {@link McpAuthPages} implementation. @publicApi */
export const MCP_AUTH_PAGES = Symbol('MCP_AUTH:PAGES');

/** Injects the {@link McpAuthPages}. @publicApi */
export const InjectMcpAuthPages = (): ParameterDecorator => Inject(MCP_AUTH_PAGES);

/** The built-in pages: plain, accessible, no scripts, no external assets. */
export const defaultPages: McpAuthPages = {
  consent(model) {
    const name = model.clientName ? untrusted(model.clientName) : html(model.clientId);
    const scopes = model.scopes.length
      ? `<ul>${model.scopes.map((scope) => `<li><code>${html(scope)}</code></li>`).join('')}</ul>`
      : '<p>No specific permissions.</p>';
    const warning = model.localhostOnlyWarning
      ? '<p class="warning" role="alert">This application only redirects to your own computer (localhost). Any program on this computer could be receiving the approval: continue only if you just started this connection yourself.</p>'
      : '';
    const provider = model.identityProvider ? ` You will then sign in with ${html(model.identityProvider)}.` : '';
    const remember = model.offerRemember
      ? '<p><label><input type="checkbox" name="remember" value="yes"> Remember this decision for this application</label></p>'
      : '';
    return page(
      'Allow access?',
      `<h1>Allow <strong>${name}</strong> to access ${html(model.resource)}?</h1>
<p>After you approve, the application receives an access code at <span class="host">${html(model.redirectHost)}</span> (<code>${html(model.redirectUri)}</code>).${provider}</p>
<p>It asks for:</p>${scopes}${warning}
<form method="post" action="${html(model.action)}">
<input type="hidden" name="csrf_token" value="${html(model.csrfToken)}">${remember}
<button class="primary" type="submit" name="decision" value="approve">Allow</button>
<button class="secondary" type="submit" name="decision" value="deny">Deny</button>
</form>`,
    );
  },
  login(model) {
    const error = model.error ? `<p class="error" role="alert">${html(model.error)}</p>` : '';
    const client = model.clientName ? ` to continue to ${untrusted(model.clientName)}` : '';
    return page(
      'Sign in',
      `<h1>Sign in${client}</h1>${error}
<form method="post" action="${html(model.action)}">
<input type="hidden" name="csrf_token" value="${html(model.csrfToken)}">
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" required autofocus value="${html(model.username ?? '')}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button class="primary" type="submit">Sign in</button>
</form>`,
    );
  },
  error(model) {
    return page(
      model.title,
      `<h1>${html(model.title)}</h1><p class="error" role="alert">${html(model.message)}</p><p>Error code: <code>${html(model.error)}</code></p><p>You can close this window and try connecting again from your application.</p>`,
    );
  },
};
