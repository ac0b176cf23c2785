import type { DoctorRequestRecord } from './doctor-http.js';

/** `warn` never fails the run; `skip` means the check could not or should not run. */
export type DoctorStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** Sections of the report, in print order. */
export const DOCTOR_GROUPS = {
  url: 'MCP endpoint URL',
  challenge: 'Challenge (request without a token)',
  metadata: 'Protected resource metadata (RFC 9728)',
  server: 'Authorization server metadata (RFC 8414)',
  registration: 'Client registration',
  cors: 'CORS (browser-based clients)',
} as const;

export type DoctorGroup = keyof typeof DOCTOR_GROUPS;

/** The outcome of one check. */
export interface DoctorCheck {
  /** Stable identifier, e.g. `metadata.resource`. */
  readonly id: string;
  readonly group: DoctorGroup;
  readonly status: DoctorStatus;
  readonly message: string;
  /** The interop pitfall this outcome is an instance of (`P1` … `P13`), when it is one. */
  readonly pitfall?: string;
  /** What to change on the server. */
  readonly fix?: string;
}

/** What `doctor` found. */
export interface DoctorReport {
  readonly url: string;
  /** No check failed (warnings allowed). */
  readonly ok: boolean;
  readonly summary: Readonly<Record<DoctorStatus, number>>;
  readonly checks: readonly DoctorCheck[];
  /** Every request sent, in order. */
  readonly requests: readonly DoctorRequestRecord[];
}

/** Collects checks while the doctor runs. */
export class DoctorChecks {
  readonly list: DoctorCheck[] = [];

  add(check: DoctorCheck): void {
    this.list.push(check);
  }

  pass(group: DoctorGroup, id: string, message: string): void {
    this.add({ group, id, status: 'pass', message });
  }

  warn(group: DoctorGroup, id: string, message: string, advice: { pitfall?: string; fix?: string } = {}): void {
    this.add({ group, id, status: 'warn', message, ...advice });
  }

  fail(group: DoctorGroup, id: string, message: string, advice: { pitfall?: string; fix?: string } = {}): void {
    this.add({ group, id, status: 'fail', message, ...advice });
  }

  skip(group: DoctorGroup, id: string, message: string): void {
    this.add({ group, id, status: 'skip', message });
  }

  report(url: string, requests: readonly DoctorRequestRecord[]): DoctorReport {
    const summary = { pass: 0, warn: 0, fail: 0, skip: 0 };
    for (const check of this.list) summary[check.status]++;
    const order = Object.keys(DOCTOR_GROUPS);
    const checks = [...this.list].sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group));
    return { url, ok: summary.fail === 0, summary, checks, requests };
  }
}

const LABEL: Record<DoctorStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

/** The report as text: one section per group, one line per check, advice indented below. */
export function renderDoctorReport(report: DoctorReport): string {
  const lines = [`nestjs-mcp-auth doctor ${report.url}`];
  const width = Math.max(...report.checks.map((check) => check.id.length));
  for (const [group, title] of Object.entries(DOCTOR_GROUPS)) {
    const checks = report.checks.filter((check) => check.group === group);
    if (checks.length === 0) continue;
    lines.push('', title);
    for (const check of checks) {
      const pitfall = check.pitfall ? `[${check.pitfall}] ` : '';
      lines.push(`  ${LABEL[check.status]}  ${check.id.padEnd(width)}  ${pitfall}${check.message}`);
      if (check.fix) lines.push(`        ${' '.repeat(width)}  fix: ${check.fix}`);
    }
  }
  const { pass, warn, fail, skip } = report.summary;
  lines.push(
    '',
    `${pass} passed, ${warn} ${warn === 1 ? 'warning' : 'warnings'}, ${fail} failed, ${skip} skipped: ${report.ok ? 'clients can discover how to log in' : 'clients will fail; fix the FAIL lines'}`,
  );
  return `${lines.join('\n')}\n`;
}
