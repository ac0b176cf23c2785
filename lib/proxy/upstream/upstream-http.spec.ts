import { json, stubFetch } from '../../../test/fakes/stub-fetch.js';
import { UpstreamProtocolError, UpstreamTransientError } from './upstream.errors.js';
import { parseRetryAfter, transportFailureReason, UpstreamHttp } from './upstream-http.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const withCode = (code: string) =>
  Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });

describe('transportFailureReason', () => {
  it.each([
    ['a TimeoutError', new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'timeout'],
    ['ENOTFOUND', withCode('ENOTFOUND'), 'dns'],
    ['EAI_AGAIN', withCode('EAI_AGAIN'), 'dns'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', withCode('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls'],
    ['SELF_SIGNED_CERT_IN_CHAIN', withCode('SELF_SIGNED_CERT_IN_CHAIN'), 'tls'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', withCode('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', withCode('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls'],
    ['UND_ERR_HEADERS_TIMEOUT', withCode('UND_ERR_HEADERS_TIMEOUT'), 'timeout'],
    ['ECONNREFUSED', withCode('ECONNREFUSED'), 'connection'],
    ['ECONNRESET', withCode('ECONNRESET'), 'connection'],
    ['UND_ERR_SOCKET', withCode('UND_ERR_SOCKET'), 'connection'],
    ['a string', 'boom', 'connection'],
  ])('%s → %s', (_name, error, reason) => {
    expect(transportFailureReason(error)).toBe(reason);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    [null, undefined],
    ['', undefined],
    ['soon', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    ['0', 1],
    ['60', 60],
    [' 60 ', 60],
    ['86400', 3600],
    ['Thu, 01 Jan 2026 12:01:00 GMT', 60],
    ['Thu, 01 Jan 2026 11:00:00 GMT', 1],
  ])('%p → %p', (value, seconds) => {
    expect(parseRetryAfter(value, NOW)).toBe(seconds);
  });
});

describe('UpstreamHttp', () => {
  it('never follows redirects, sets a deadline and a User-Agent', async () => {
    const stub = stubFetch(() => json({ ok: true }));
    const http = new UpstreamHttp({ timeoutMs: 1234, userAgent: 'ua/1', fetch: stub.fetch });
    const response = await http.request(
      'token',
      'https://idp.example/token',
      { method: 'POST', headers: { accept: 'x' }, body: 'a=b' },
      1024,
    );
    expect(response).toMatchObject({ status: 200, text: '{"ok":true}' });
    const [call] = stub.calls;
    expect(call.init.redirect).toBe('manual');
    expect(call.init.signal).toBeInstanceOf(AbortSignal);
    expect(call.headers.get('user-agent')).toBe('ua/1');
    expect(call.headers.get('accept')).toBe('x');
    expect(call.body).toBe('a=b');
  });

  it('turns a network failure into a transient error that names no host (F-19)', async () => {
    const http = new UpstreamHttp({
      timeoutMs: 1000,
      userAgent: 'ua',
      fetch: async () => {
        throw withCode('ENOTFOUND');
      },
    });
    const error = await http
      .request('token', 'https://idp.internal.example/token', { method: 'POST', headers: {} }, 1024)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamTransientError);
    expect(error).toMatchObject({ reason: 'dns', operation: 'token', retryAfterSeconds: 5 });
    expect((error as Error).message).not.toContain('idp.internal.example');
  });

  it('refuses oversized bodies', async () => {
    const http = new UpstreamHttp({
      timeoutMs: 1000,
      userAgent: 'ua',
      fetch: stubFetch(() => json('x'.repeat(2000))).fetch,
    });
    await expect(
      http.request('identity', 'https://idp.example/user', { method: 'GET', headers: {} }, 1024),
    ).rejects.toBeInstanceOf(UpstreamProtocolError);
  });
});
