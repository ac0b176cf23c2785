import { readFile } from 'node:fs/promises';
import { SERVER_CPU, LOAD_CPU } from './processes.js';

/** Busy time counters of one CPU from /proc/stat. */
interface CpuTimes {
  busy: number;
  total: number;
}

async function cpuTimes(): Promise<Map<number, CpuTimes> | undefined> {
  try {
    const stat = await readFile('/proc/stat', 'utf8');
    const times = new Map<number, CpuTimes>();
    for (const line of stat.split('\n')) {
      const match = /^cpu(\d+)\s+(.*)$/.exec(line);
      if (!match) continue;
      // user nice system idle iowait irq softirq steal
      const [user, nice, system, idle, iowait, irq, softirq, steal] = match[2].split(/\s+/).map(Number);
      const busy = user + nice + system + irq + softirq + (steal ?? 0);
      times.set(Number(match[1]), { busy, total: busy + idle + iowait });
    }
    return times;
  } catch {
    return undefined;
  }
}

/**
 * Busy share of the server CPU and the load CPU over `sampleMs`, taken while every bench process
 * is idle, so it is the load of other processes on the machine (undefined off Linux).
 */
export async function foreignLoad(sampleMs = 500): Promise<number | undefined> {
  const before = await cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const after = await cpuTimes();
  if (!before || !after) return undefined;
  let worst = 0;
  for (const cpu of [SERVER_CPU, LOAD_CPU]) {
    const a = before.get(cpu);
    const b = after.get(cpu);
    if (!a || !b || b.total === a.total) continue;
    worst = Math.max(worst, (b.busy - a.busy) / (b.total - a.total));
  }
  return worst;
}

/**
 * Waits (up to `maxWaitMs`) until other processes leave both bench CPUs mostly idle. Returns how
 * long it waited and whether the machine was quiet in the end.
 */
export async function waitForQuiet(maxWaitMs: number, threshold = 0.2): Promise<{ waitedMs: number; quiet: boolean }> {
  const start = Date.now();
  for (;;) {
    const load = await foreignLoad();
    if (load === undefined || load <= threshold) return { waitedMs: Date.now() - start, quiet: true };
    if (Date.now() - start >= maxWaitMs) return { waitedMs: Date.now() - start, quiet: false };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
