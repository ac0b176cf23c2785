import type { BrowserContext, Page } from 'playwright-core';

/** A Content-Security-Policy violation reported by the page (`securitypolicyviolation`). */
export interface CspViolation {
  readonly directive: string;
  readonly blockedUri: string;
  readonly documentUri: string;
}

/**
 * What a browser context did while a test watched it: console errors, uncaught page errors,
 * CSP violations (from the DOM event, reported through a binding that the page's CSP cannot
 * block), JavaScript dialogs (dismissed), and every request URL.
 */
export class PageMonitor {
  readonly consoleErrors: string[] = [];
  readonly pageErrors: string[] = [];
  readonly cspViolations: CspViolation[] = [];
  readonly dialogs: string[] = [];
  readonly requests: string[] = [];

  private constructor() {}

  /**
   * Watches every page of `context`. Call before the first navigation: the violation listener
   * is installed in each new document through an init script (DevTools-injected, so the page's
   * `script-src 'none'` does not apply to it).
   */
  static async watch(context: BrowserContext): Promise<PageMonitor> {
    const monitor = new PageMonitor();
    await context.exposeBinding('__reportCspViolation', (_source, violation: CspViolation) => {
      monitor.cspViolations.push(violation);
    });
    // A string, not a function: this package is type-checked without the DOM library.
    await context.addInitScript({
      content: `document.addEventListener('securitypolicyviolation', (event) => {
        window.__reportCspViolation({
          directive: event.violatedDirective,
          blockedUri: event.blockedURI,
          documentUri: event.documentURI,
        });
      });`,
    });
    const attach = (page: Page) => {
      page.on('console', (message) => {
        if (message.type() === 'error') monitor.consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => monitor.pageErrors.push(error.message));
      page.on('dialog', (dialog) => {
        monitor.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
        void dialog.dismiss().catch(() => undefined);
      });
    };
    context.pages().forEach(attach);
    context.on('page', attach);
    context.on('request', (request) => monitor.requests.push(request.url()));
    return monitor;
  }

  /** Request URLs whose origin is not one of `origins`. */
  foreignRequests(...origins: string[]): string[] {
    return this.requests.filter((url) => !origins.includes(new URL(url).origin));
  }

  /** Forgets what was recorded so far (e.g. before the page under test loads). */
  reset(): void {
    for (const list of [this.consoleErrors, this.pageErrors, this.cspViolations, this.dialogs, this.requests]) {
      list.length = 0;
    }
  }
}
