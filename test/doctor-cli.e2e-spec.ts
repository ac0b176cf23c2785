import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeCliIo, type CliIo } from '../lib/cli/cli-io.js';
import { runCli } from '../lib/cli/run-cli.js';
import type { DoctorReport } from '../lib/cli/doctor-report.js';
import { LOOPBACK_TLS, startFakeMcpServer, type FakeMcpServer } from './fixtures/broken-mcp-servers.js';

async function cli(argv: string[], overrides: Partial<CliIo> = {}) {
  let stdout = '';
  let stderr = '';
  const io = createNodeCliIo({
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    ...overrides,
  });
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** `nestjs-mcp-auth doctor` as a command: output, exit codes, options. */
describe('nestjs-mcp-auth doctor', () => {
  let healthy: FakeMcpServer;
  let broken: FakeMcpServer;
  let dir: string;
  beforeAll(async () => {
    [healthy, broken] = await Promise.all([startFakeMcpServer(), startFakeMcpServer({ invalidTokenStatus: 500 })]);
    dir = await mkdtemp(join(tmpdir(), 'doctor-cli-'));
  });
  afterAll(async () => {
    await Promise.all([healthy.close(), broken.close(), rm(dir, { recursive: true, force: true })]);
  });

  it('is listed in the top-level help', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(
      "  doctor         Check an MCP server's OAuth discovery as clients do (doctor <mcp-url>)\n",
    );
  });

  it('prints its help', async () => {
    const { code, stdout } = await cli(['doctor', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: nestjs-mcp-auth doctor <mcp-url> \[options\]/);
    expect(stdout).toContain('--register');
  });

  it('prints a readable report and exits 0 when nothing fails (warnings allowed)', async () => {
    const { code, stdout, stderr } = await cli(['doctor', healthy.mcpUrl]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(
      new RegExp(`^nestjs-mcp-auth doctor ${healthy.mcpUrl}\\n\\nMCP endpoint URL\\n  WARN  url\\.https`),
    );
    expect(stdout).toContain('\nChallenge (request without a token)\n  PASS  challenge.status ');
    expect(stdout).toMatch(/\n\d+ passed, \d+ warnings?, 0 failed, 1 skipped: clients can discover how to log in\n$/);
  });

  it('exits 1 and names the pitfall and the fix when a check fails', async () => {
    const { code, stdout } = await cli(['doctor', broken.mcpUrl]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/ FAIL {2}challenge\.invalid-token +\[P11\] an invalid token gets 500: /);
    expect(stdout).toMatch(/\n +fix: answer every rejected token with 401 and error="invalid_token"/);
    expect(stdout).toMatch(/1 failed, .*: clients will fail; fix the FAIL lines\n$/);
  });

  it('prints JSON with --json', async () => {
    const { code, stdout } = await cli(['doctor', '--json', broken.mcpUrl]);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report).toMatchObject({ url: broken.mcpUrl, ok: false, summary: { fail: 1 } });
    expect(report.checks.find((check) => check.status === 'fail')).toEqual({
      id: 'challenge.invalid-token',
      group: 'challenge',
      status: 'fail',
      message: 'an invalid token gets 500: clients never re-authenticate after a 5xx',
      pitfall: 'P11',
      fix: 'answer every rejected token with 401 and error="invalid_token" (503 only when the verifier cannot decide)',
    });
    expect(report.requests[0]).toEqual({ method: 'POST', url: broken.mcpUrl, status: 401 });
  });

  it('trusts a CA given with --ca', async () => {
    const tls = await startFakeMcpServer({ tls: LOOPBACK_TLS });
    try {
      const untrusted = await cli(['doctor', '--json', tls.mcpUrl]);
      expect(JSON.parse(untrusted.stdout).checks[1]).toMatchObject({ id: 'challenge.status', status: 'fail' });
      await writeFile(join(dir, 'ca.pem'), LOOPBACK_TLS.cert);
      const trusted = await cli(['doctor', '--ca', 'ca.pem', tls.mcpUrl], { cwd: dir });
      expect(trusted.code).toBe(0);
      expect(trusted.stdout).toContain('PASS  url.https ');
    } finally {
      await tls.close();
    }
  });

  it.each([
    [['doctor'], 'the MCP URL is required'],
    [['doctor', 'mcp.example.com/mcp'], 'the MCP URL must be an absolute http(s) URL (got "mcp.example.com/mcp")'],
    [['doctor', 'https://a.example/mcp', 'https://b.example/mcp'], 'one MCP URL expected (got 2)'],
    [
      ['doctor', 'https://a.example/mcp', '--timeout', 'soon'],
      '--timeout must be a duration such as 300, 90s, 15m, 1h or 7d (got "soon")',
    ],
    [
      ['doctor', 'https://a.example/mcp', '--origin', 'https://app.example/path'],
      '--origin must be an origin such as http://localhost:6274 (got "https://app.example/path")',
    ],
    [['doctor', 'https://a.example/mcp', '--nope'], "Unknown option '--nope'"],
  ])('refuses %j with exit code 2', async (argv, message) => {
    const { code, stdout, stderr } = await cli(argv);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(new RegExp(`^error: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(stderr).toContain('Run "nestjs-mcp-auth doctor --help" for usage.');
  });

  it('reports an unreadable --ca file', async () => {
    const { code, stderr } = await cli(['doctor', '--ca', 'missing.pem', healthy.mcpUrl], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toBe('error: cannot read --ca "missing.pem": ENOENT: no such file or directory\n');
  });
});
