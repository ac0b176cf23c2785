import { execFile } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NPX_TOOLS, PINNED, spec, type NpxToolName } from '../versions.js';

/** A pinned npx package, installed, as the run starts it: `<node> <script> …`. */
export interface ResolvedTool {
  readonly name: NpxToolName;
  /** The package specs given to npx (`-p`), e.g. `node@22.23.3`. */
  readonly packages: readonly string[];
  /** Node binary: the npx-installed Node 22 where the tool needs it, else this process's Node 20. */
  readonly node: string;
  readonly nodeVersion: string;
  /** The tool's entry script (its bin, symlinks resolved). */
  readonly script: string;
  /** Version from the tool's own package.json, to prove the pin held. */
  readonly version: string;
  /** Seconds npx took to resolve (and on a cold cache, download) the packages. */
  readonly resolveSeconds: number;
}

const resolved = new Map<NpxToolName, Promise<ResolvedTool>>();

/**
 * Installs a pinned tool through npx (`npx -y -p <pkg>… -c …`, exactly as a user would run it)
 * and returns where its binary is, so the run can start it directly: that way the process the run
 * stops by PID is the tool itself, not an npm wrapper around it.
 */
export function resolveNpxTool(name: NpxToolName): Promise<ResolvedTool> {
  let pending = resolved.get(name);
  if (!pending) {
    pending = resolve(name);
    resolved.set(name, pending);
  }
  return pending;
}

async function resolve(name: NpxToolName): Promise<ResolvedTool> {
  const tool = NPX_TOOLS[name];
  const started = Date.now();
  const packages = tool.node22 ? [spec(PINNED.node22), spec(tool.pkg)] : [spec(tool.pkg)];
  const args = ['-y', ...packages.flatMap((p) => ['-p', p]), '-c', `command -v node; command -v ${tool.bin}`];
  const stdout = await new Promise<string>((resolvePaths, reject) => {
    execFile(
      'npx',
      args,
      {
        timeout: 10 * 60_000,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, npm_config_update_notifier: 'false' },
      },
      (error, out, err) =>
        error ? reject(new Error(`npx ${args.join(' ')} failed: ${error.message}\n${err}`)) : resolvePaths(out),
    );
  });
  const [nodeShim, binLink] = stdout.trim().split('\n').slice(-2);
  const node = tool.node22 ? nodeShim : process.execPath;
  const script = await realpath(binLink);
  const nodeVersion = await new Promise<string>((resolveVersion, reject) =>
    execFile(node, ['--version'], (error, out) => (error ? reject(error) : resolveVersion(out.trim()))),
  );
  if (tool.node22 && nodeVersion !== `v${PINNED.node22.version}`)
    throw new Error(`${name}: expected Node ${PINNED.node22.version}, npx gave ${nodeVersion}`);
  // <npx dir>/node_modules/.bin/<bin> → <npx dir>/node_modules/<package>/package.json
  const manifest = join(dirname(dirname(binLink)), tool.pkg.name, 'package.json');
  const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
  if (version !== tool.pkg.version) throw new Error(`${name}: pinned ${tool.pkg.version}, npx installed ${version}`);
  return { name, packages, node, nodeVersion, script, version, resolveSeconds: (Date.now() - started) / 1000 };
}
