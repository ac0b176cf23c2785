import { load } from 'cheerio';
import type { AsApp } from './as-app.js';

/** One HTTP answer, as a browser sees it (redirects are never followed). */
export interface BrowserResponse {
  readonly url: URL;
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  /** The `Location` header resolved against the request URL. */
  readonly location: URL | undefined;
}

/** A form on a page: its target, method and the values of its named inputs. */
export interface PageForm {
  readonly action: URL;
  readonly fields: Record<string, string>;
  /** `name=value` of its submit buttons. */
  readonly buttons: Array<[string, string]>;
  readonly hasPassword: boolean;
}

/**
 * A cookie-keeping user agent for the authorization pages, driven step by step by the tests.
 * Cookies are shared by every port of 127.0.0.1, as in a real browser. Requests to the
 * deployment's public origin are sent to {@link instance}, which a test may switch mid-flow to
 * model a load balancer sending the next request to another instance.
 */
export class Browser {
  readonly cookies = new Map<string, string>();
  /** Every request, for assertions (`GET http://…`). */
  readonly visited: string[] = [];

  /**
   * When set, picks the instance for each request (a load balancer): e.g. alternate between two
   * instances so that consecutive requests of one flow never land on the same one.
   */
  router: (() => AsApp) | undefined;

  constructor(public instance?: AsApp) {}

  /** Sends each request to the next instance of `instances`, round robin. */
  alternate(...instances: AsApp[]): this {
    let next = 0;
    this.router = () => instances[next++ % instances.length]!;
    return this;
  }

  async get(url: string | URL, headers: Record<string, string> = {}): Promise<BrowserResponse> {
    return this.request('GET', url, undefined, headers);
  }

  async post(url: string | URL, form: Record<string, string>, headers: Record<string, string> = {}) {
    return this.request('POST', url, new URLSearchParams(form).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    });
  }

  async request(
    method: string,
    url: string | URL,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<BrowserResponse> {
    const instance = this.router ? this.router() : this.instance;
    const target = instance ? instance.local(url) : new URL(url);
    this.visited.push(`${method} ${target.href}`);
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(target, {
      method,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...headers },
      body,
    });
    this.remember(response);
    const location = response.headers.get('location');
    return {
      url: target,
      status: response.status,
      headers: response.headers,
      body: await response.text(),
      location: location ? new URL(location, target) : undefined,
    };
  }

  /** The forms of an HTML page. */
  static forms(page: BrowserResponse): PageForm[] {
    const $ = load(page.body);
    return $('form')
      .toArray()
      .map((form) => {
        const fields: Record<string, string> = {};
        $(form)
          .find('input[name]')
          .each((_, input) => {
            const type = ($(input).attr('type') ?? 'text').toLowerCase();
            if ((type === 'checkbox' || type === 'radio') && $(input).attr('checked') === undefined) return;
            fields[$(input).attr('name') as string] = $(input).attr('value') ?? '';
          });
        const buttons = $(form)
          .find('button[name]')
          .toArray()
          .map((b): [string, string] => [$(b).attr('name') as string, $(b).attr('value') ?? '']);
        return {
          action: new URL($(form).attr('action') ?? page.url.href, page.url),
          fields,
          buttons,
          hasPassword: $(form).find('input[type="password"]').length > 0,
        };
      });
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
