/**
 * Summarises a V8 `.cpuprofile` (from `BENCH_PROFILE=…`): self time by function and by package,
 * and inclusive time of the functions matching a pattern.
 *
 *   node dist/bench/profile-summary.js bench/results/profiles/ours-protected.cpuprofile [pattern]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, pattern] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [function-name pattern]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const where = (node: ProfileNode): string => {
  const { url } = node.callFrame;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes('/dist/lib/')) return 'nestjs-mcp-auth (lib)';
  if (url.includes('/dist/bench/')) return 'bench';
  if (url.startsWith('node:')) return 'node core';
  return url === '' ? `(${node.callFrame.functionName || 'native'})` : url;
};
const label = (node: ProfileNode) => {
  const short = node.callFrame.url.split('/').slice(-2).join('/');
  return `${node.callFrame.functionName || '(anonymous)'} ${short}:${node.callFrame.lineNumber + 1}`;
};

const selfTime = new Map<string, number>();
const packageTime = new Map<string, number>();
const inclusive = new Map<string, number>();
const matcher = pattern ? new RegExp(pattern) : undefined;
let total = 0;
let idle = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const node = byId.get(id)!;
  if (node.callFrame.functionName === '(idle)') {
    idle += dt;
    return;
  }
  total += dt;
  selfTime.set(label(node), (selfTime.get(label(node)) ?? 0) + dt);
  packageTime.set(where(node), (packageTime.get(where(node)) ?? 0) + dt);
  if (!matcher) return;
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)!;
    const name = label(frame);
    if (!seen.has(name) && matcher.test(name)) {
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
    }
  }
});

const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
const top = (map: Map<string, number>, n: number) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => `  ${pct(us)}  ${name}`)
    .join('\n');

process.stdout.write(
  [
    `${file}: ${(total / 1e6).toFixed(2)} s busy, ${(idle / 1e6).toFixed(2)} s idle`,
    'Self time by package:',
    top(packageTime, 15),
    'Self time by function:',
    top(selfTime, 30),
    ...(matcher ? [`Inclusive time of functions matching /${pattern}/:`, top(inclusive, 40)] : []),
    '',
  ].join('\n'),
);
