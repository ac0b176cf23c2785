import { load } from 'cheerio';

/** A page the headless browser shows to its form-filling policy. */
export interface Page {
  readonly url: URL;
  readonly status: number;
  readonly html: string;
}

/** Which form to submit on a page, with which fields (merged over the form's own inputs). */
export interface FormChoice {
  /** Substring of the form's `action` (or `''` for the first form). */
  readonly action: string;
  readonly fields?: Record<string, string>;
}

/** Decides what to do on a page; `undefined` means "stuck" and fails the flow. */
export type FormPolicy = (page: Page) => FormChoice | undefined;

/** Signs in as demo/demo and approves every consent screen. */
export const approveAll =
  (user = { username: 'demo', password: 'demo' }): FormPolicy =>
  (page) => {
    const $ = load(page.html);
    if ($('input[name="password"]').length > 0)
      return { action: $('input[name="password"]').closest('form').attr('action') ?? '', fields: user };
    const approve = $('form')
      .toArray()
      .find(
        (form) =>
          /confirm|consent|allow|approve/i.test(`${$(form).attr('action')} ${$(form).text()}`) &&
          !/deny|abort/i.test($(form).attr('action') ?? ''),
      );
    return approve ? { action: $(approve).attr('action') ?? '', fields: approvalFields($, approve) } : undefined;
  };

function approvalFields(
  $: ReturnType<typeof load>,
  form: Parameters<ReturnType<typeof load>>[0],
): Record<string, string> {
  const button = $(form)
    .find('button[name]')
    .filter((_, b) => !/deny/i.test($(b).attr('value') ?? ''))
    .first();
  return button.length ? { [button.attr('name') as string]: button.attr('value') ?? '' } : {};
}

/**
 * A cookie-keeping HTTP client that walks an authorization flow the way a user's browser would,
 * without JavaScript: it follows redirects itself (`redirect: 'manual'`), submits the forms the
 * policy picks, and stops at the first redirect to `redirectUri`, which it returns.
 */
export class HeadlessBrowser {
  private readonly cookies = new Map<string, string>();
  /** Every URL visited, for assertions. */
  readonly visited: string[] = [];

  constructor(
    private readonly policy: FormPolicy = approveAll(),
    /** Extra request headers on every request (e.g. `sec-fetch-site`, which real browsers send). */
    readonly headers: Record<string, string> = {},
  ) {}

  async authorize(authorizationUrl: URL | string, redirectUri: string, maxSteps = 20): Promise<URL> {
    let next: { url: URL; method: 'GET' | 'POST'; body?: URLSearchParams } = {
      url: new URL(authorizationUrl),
      method: 'GET',
    };
    for (let step = 0; step < maxSteps; step++) {
      this.visited.push(`${next.method} ${next.url.href}`);
      const response = await fetch(next.url, {
        method: next.method,
        redirect: 'manual',
        headers: {
          ...this.headers,
          cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(next.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        body: next.body,
      });
      this.remember(response);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        const target = new URL(location, next.url);
        if (target.href.startsWith(redirectUri)) return target;
        next = { url: target, method: 'GET' };
        continue;
      }
      const html = await response.text();
      const page = { url: next.url, status: response.status, html };
      const choice = response.status === 200 ? this.policy(page) : undefined;
      if (!choice)
        throw new Error(`headless browser stuck at ${next.url.href} (HTTP ${response.status}): ${html.slice(0, 300)}`);
      next = this.submit(page, choice);
    }
    throw new Error('too many steps in the authorization flow');
  }

  private submit(page: Page, choice: FormChoice): { url: URL; method: 'POST'; body: URLSearchParams } {
    const $ = load(page.html);
    const form = $('form')
      .toArray()
      .find((f) => ($(f).attr('action') ?? '').includes(choice.action));
    if (!form) throw new Error(`no form with action containing "${choice.action}" at ${page.url.href}`);
    const body = new URLSearchParams();
    $(form)
      .find('input[name]')
      .each((_, input) => {
        const type = ($(input).attr('type') ?? 'text').toLowerCase();
        if ((type === 'checkbox' || type === 'radio') && $(input).attr('checked') === undefined) return;
        body.set($(input).attr('name') as string, $(input).attr('value') ?? '');
      });
    for (const [name, value] of Object.entries(choice.fields ?? {})) body.set(name, value);
    return { url: new URL($(form).attr('action') ?? page.url.href, page.url), method: 'POST', body };
  }

  /** The cookies this browser holds, by name (tests may read or tamper with them). */
  get cookieJar(): Map<string, string> {
    return this.cookies;
  }

  private remember(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
  }
}
