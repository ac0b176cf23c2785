import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserServer, type Page } from 'playwright-core';

/** Debian's Chromium; the tests never download a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags for a root user in a container on a closed network: no sandbox (root), no GPU, no
 * `/dev/shm` (small in containers) and no background networking (Chromium's own connections to
 * its vendor's hosts are refused here and would only add noise and delay).
 */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'];

/** Where screenshots go; the folder is gitignored and kept by CI as test artifacts. */
export const ARTIFACTS_DIR = join(process.cwd(), 'test', 'artifacts');

/** A headless Chromium this test file started, and how to stop it. */
export interface LaunchedChromium {
  readonly browser: Browser;
  /** The browser's process id (also its process group: Playwright starts it detached). */
  readonly pid: number;
  /** Closes the browser, then makes sure its process group is gone. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts one headless Chromium for a test file (call in `beforeAll`, close in `afterAll`).
 * It runs as a Playwright browser server so that the test owns the process: whatever state the
 * connection is in, `close()` ends the browser by its process id.
 */
export async function launchChromium(): Promise<LaunchedChromium> {
  const server: BrowserServer = await chromium.launchServer({
    executablePath: CHROMIUM_PATH,
    headless: true,
    host: '127.0.0.1',
    args: ARGS,
  });
  const child = server.process();
  const pid = child.pid;
  if (pid === undefined) {
    await server.kill();
    throw new Error('Chromium started without a process id');
  }
  let browser: Browser;
  try {
    browser = await chromium.connect(server.wsEndpoint());
  } catch (error) {
    await server.kill();
    throw error;
  }
  let closed = false;
  return {
    browser,
    pid,
    async close() {
      if (closed) return;
      closed = true;
      await browser.close().catch(() => undefined);
      await server.close().catch(() => undefined);
      // A clean close leaves nothing; a hung one leaves the group, which only this test started.
      if (child.exitCode === null && child.signalCode === null) killProcessGroup(pid);
      else killProcessGroup(pid, false);
    },
  };
}

/**
 * Kills what is left of the browser's process group (renderers, zygote), and the browser itself
 * when it is still running. A group id stays reserved while any member lives, so it cannot name
 * someone else's processes.
 */
function killProcessGroup(pid: number, browserAlive = true): void {
  for (const target of browserAlive ? [-pid, pid] : [-pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // ESRCH: already gone, as it should be after a clean close.
    }
  }
}

/** Saves a full-page screenshot as `test/artifacts/<name>.png` and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
