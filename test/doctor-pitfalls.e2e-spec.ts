import { runDoctor } from '../lib/cli/doctor.js';
import { renderDoctorReport } from '../lib/cli/doctor-report.js';
import { PITFALL_CASES, startFakeMcpServer, type FakeMcpServer } from './fixtures/broken-mcp-servers.js';

/**
 * `doctor` against servers broken on purpose, one per interop pitfall a server can cause
 * (../shared/reference/mcp-auth-requirements.md §4): exactly the checks that meet the pitfall
 * fail, naming it and the fix.
 *
 * P12 ("Token has no expiration time") is not here: it happens inside a client SDK when the
 * server's own verifier leaves `AuthInfo.expiresAt` unset for a token it accepts, which only a
 * valid token can reveal; the doctor never holds one. This module always sets `expiresAt`.
 */
describe('doctor against broken servers', () => {
  let server: FakeMcpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('finds nothing to fail on the healthy fake the broken ones derive from', async () => {
    server = await startFakeMcpServer();
    const report = await runDoctor(server.mcpUrl, { register: true });
    expect(report.checks.filter((check) => check.status === 'fail')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.find((check) => check.id === 'registration.iss')).toMatchObject({ status: 'pass' });
  });

  it.each(PITFALL_CASES.map((c) => [c.name, c] as const))('%s', async (_name, pitfallCase) => {
    server = await startFakeMcpServer(pitfallCase.options);
    const report = await runDoctor(server.mcpUrl, {
      register: pitfallCase.register,
      ca: pitfallCase.options.tls?.cert,
    });
    const failures = report.checks.filter((check) => check.status === 'fail');
    expect(failures.map((check) => check.id).sort()).toEqual([...pitfallCase.failing].sort());
    expect(report.ok).toBe(false);

    const named = failures.filter((check) => check.pitfall === pitfallCase.pitfall);
    expect(named).not.toHaveLength(0);
    for (const check of named) expect(check.fix).toEqual(expect.any(String));
    expect(renderDoctorReport(report)).toContain(`[${pitfallCase.pitfall}] `);
  });
});
