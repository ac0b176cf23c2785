import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { runDoctor } from '../lib/cli/doctor.js';
import type { DoctorReport } from '../lib/cli/doctor-report.js';
import { GitHubProxyAppModule } from '../sample/03-oauth-proxy-github/app.module.js';
import { sampleSettings as sample03Settings } from '../sample/03-oauth-proxy-github/settings.js';
import { OidcProxyAppModule } from '../sample/04-oidc-proxy/app.module.js';
import {
  startBundledIdentityProvider,
  type BundledIdentityProvider,
} from '../sample/04-oidc-proxy/identity-provider.js';
import { sampleSettings as sample04Settings } from '../sample/04-oidc-proxy/settings.js';
import { AuthorizationServerAppModule } from '../sample/05-authorization-server/app.module.js';
import { sampleSettings as sample05Settings } from '../sample/05-authorization-server/settings.js';
import { GitHubFake } from './fakes/github-fake.js';
import { freePort } from './helpers/free-port.js';

const failures = (report: DoctorReport) => report.checks.filter((check) => check.status === 'fail');
const statusOf = (report: DoctorReport, id: string) => report.checks.find((check) => check.id === id)?.status;
const origins = (report: DoctorReport) => new Set(report.requests.map((request) => new URL(request.url).origin));

/**
 * Issue 7: `doctor` against every sample as shipped. Samples 03–05 are authorization servers
 * themselves: the doctor finds everything at the MCP URL's origin, registration included, and
 * never contacts the upstream identity provider.
 */
describe('doctor against samples 03, 04 and 05', () => {
  const apps: INestApplication[] = [];
  let github: GitHubFake;
  let idp: BundledIdentityProvider;
  const urls: string[] = [];

  beforeAll(async () => {
    const [port03, port04, port05] = await Promise.all([freePort(), freePort(), freePort()]);
    github = await new GitHubFake({
      callbackUrl: `http://127.0.0.1:${port03}/oauth/callback`,
      clientId: 'Ov23liDoctorFake',
      clientSecret: randomBytes(20).toString('hex'),
    }).start();
    const s03 = sample03Settings({
      PORT: String(port03),
      GITHUB_CLIENT_ID: github.clientId,
      GITHUB_CLIENT_SECRET: github.clientSecret,
      GITHUB_SERVER_URL: github.origin,
      GITHUB_API_URL: github.apiBaseUrl,
    });
    const s04 = sample04Settings({ PORT: String(port04), IDP_PORT: '0' });
    idp = await startBundledIdentityProvider({ redirectUri: s04.callbackUrl, port: s04.idpPort });
    const s05 = sample05Settings({ PORT: String(port05) });
    for (const [module, settings] of [
      [GitHubProxyAppModule.forSettings(s03), s03],
      [
        OidcProxyAppModule.forUpstream(s04, {
          issuer: idp.issuer,
          clientId: idp.clientId,
          clientSecret: idp.clientSecret,
        }),
        s04,
      ],
      [AuthorizationServerAppModule.forSettings(s05), s05],
    ] as const) {
      const app = await NestFactory.create(module, { logger: false });
      await app.listen(settings.port, settings.host);
      apps.push(app);
      urls.push(settings.resourceUrl);
    }
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await idp?.close();
    await github?.stop();
  });

  it.each([
    ['sample 03 (GitHub proxy)', 0],
    ['sample 04 (OIDC proxy)', 1],
    ['sample 05 (authorization server)', 2],
  ])('%s passes every check, registration included, talking only to its own origin', async (_name, i) => {
    const report = await runDoctor(urls[i], { register: true });
    expect(failures(report)).toEqual([]);
    for (const id of ['challenge.status', 'metadata.resource', 'server.issuer', 'server.pkce', 'registration.dcr']) {
      expect(statusOf(report, id)).toBe('pass');
    }
    expect(origins(report)).toEqual(new Set([new URL(urls[i]).origin]));
  });
});
