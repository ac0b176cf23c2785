import { createHash } from 'node:crypto';
import escapeHtml from 'escape-html';

/** The only styles the pages use; inline, allowed by hash so the CSP needs no 'unsafe-inline'. */
const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f5f5f7;color:#1d1d1f}
main{max-width:28rem;margin:8vh auto;background:#fff;padding:2rem;border-radius:12px;box-shadow:0 2px 12px #0002}
h1{font-size:1.35rem;margin:0 0 1rem}label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #aaa;border-radius:6px;font:inherit}
button{font:inherit;padding:.55rem 1.2rem;border-radius:6px;border:1px solid #0057b8;margin:1rem .5rem 0 0;cursor:pointer}
button.primary{background:#0057b8;color:#fff}button.secondary{background:#fff;color:#0057b8}
.warning{background:#fff4e5;border:1px solid #f0a000;padding:.75rem;border-radius:6px}
.error{background:#fdecea;border:1px solid #d93025;padding:.75rem;border-radius:6px}
code,.host{font-family:ui-monospace,monospace;word-break:break-all}ul{padding-left:1.25rem}
:focus-visible{outline:3px solid #0057b8;outline-offset:2px}`;

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/**
 * Content-Security-Policy of every page: nothing loads from anywhere, no script runs, and no site
 * may frame the page (clickjacking, MCP "Consent UI Requirements").
 *
 * No `form-action`: Chromium and Safari check it against every redirect that a form submission
 * sets off, and the consent form exists to end in a redirect to another origin (the upstream
 * identity provider, the client's redirect URI, and whatever that one redirects to, such as a
 * native app's private-use scheme). With `form-action 'self'` the browser silently drops the
 * redirect after the code was issued (test/browser/proxy-consent.e2e-spec.ts). The forms' targets
 * are our own fixed URLs and no script or injected markup can run, so the directive added nothing.
 */
export const PAGE_CSP = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; frame-ancestors 'none'; base-uri 'none'`;

/** Headers every HTML page of the authorization server carries (A-20, C-09). */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': PAGE_CSP,
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/** Escapes text for HTML element content and double-quoted attribute values. */
export const html = (text: unknown): string => escapeHtml(String(text));

/**
 * Text a third party chose (a client name): escaped, isolated from the surrounding text's
 * direction (an RTL override cannot reorder the page) and shortened (C-07, C-08).
 */
export function untrusted(text: string, max = 80): string {
  const shortened = [...text].length > max ? `${[...text].slice(0, max).join('')}…` : text;
  return `<bdi>${html(shortened)}</bdi>`;
}

/** A complete, accessible page: language, title, one main landmark. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${html(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}
