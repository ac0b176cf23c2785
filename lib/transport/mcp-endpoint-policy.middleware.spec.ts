import type { NextFunction, Request, Response } from 'express';
import { resolveMcpAuthOptions } from '../core/options/resolve-options.js';
import { McpEndpointPolicyMiddleware } from './mcp-endpoint-policy.middleware.js';

/** Never called here: the verifier option only has to pass validation. */
class UnusedVerifier {
  verify(): never {
    throw new Error('not used');
  }
}

interface Outcome {
  nextCalled: boolean;
  status?: number;
  headers: Record<string, string | number>;
  body?: string;
}

function middlewareFor(resourceUrl: string, mcp?: Record<string, unknown>): McpEndpointPolicyMiddleware {
  const options = resolveMcpAuthOptions(
    { resourceUrl, verifier: { type: 'custom', useClass: UnusedVerifier }, ...(mcp ? { mcp } : {}) } as never,
    {},
  );
  return new McpEndpointPolicyMiddleware(options);
}

/** Runs the middleware against a recording response, merging headers as Node does. */
function run(
  middleware: McpEndpointPolicyMiddleware,
  headers: Record<string, string | undefined>,
  method = 'POST',
): Outcome {
  const outcome: Outcome = { nextCalled: false, headers: {} };
  const response = {
    setHeader(name: string, value: string) {
      outcome.headers[name.toLowerCase()] = value;
    },
    writeHead(status: number, extra: Record<string, string | number> = {}) {
      outcome.status = status;
      for (const [name, value] of Object.entries(extra)) outcome.headers[name.toLowerCase()] = value;
    },
    end(body?: string) {
      outcome.body = body;
    },
  };
  const next: NextFunction = () => {
    outcome.nextCalled = true;
  };
  middleware.use({ method, headers } as unknown as Request, response as unknown as Response, next);
  return outcome;
}

function expectForbidden(outcome: Outcome, message: string): void {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
  expect(outcome).toEqual({
    nextCalled: false,
    status: 403,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    body,
  });
}

describe('McpEndpointPolicyMiddleware', () => {
  describe('Host check on a loopback resource (TR-01, DNS rebinding)', () => {
    const middleware = middlewareFor('http://127.0.0.1:3000/mcp');

    it.each(['127.0.0.1:3000', '127.0.0.1', 'localhost:3000', 'LOCALHOST:8080', '[::1]:3000', '[::1]'])(
      'accepts Host %s',
      (host) => {
        expect(run(middleware, { host }).nextCalled).toBe(true);
      },
    );

    it.each([
      ['another name', 'attacker.example:3000'],
      ['a loopback look-alike', '127.0.0.1.attacker.example'],
      ['a loopback prefix', 'localhost.attacker.example:3000'],
      ['another IPv6 address', '[::2]:3000'],
      ['an unterminated IPv6 literal', '[::1'],
      ['an empty value', ''],
      ['no value', undefined],
    ])('refuses %s with a JSON-RPC 403', (_name, host) => {
      expectForbidden(run(middleware, { host }), 'Forbidden: Host header not allowed');
    });
  });

  describe('Host check with configured hosts', () => {
    it('accepts the configured names, any case, with or without port, IPv6 included', () => {
      const middleware = middlewareFor('https://mcp.example.com/mcp', {
        allowedHosts: ['mcp.example.com', '[2001:db8::1]'],
      });
      expect(run(middleware, { host: 'MCP.example.com:443' }).nextCalled).toBe(true);
      expect(run(middleware, { host: 'mcp.example.com' }).nextCalled).toBe(true);
      expect(run(middleware, { host: '[2001:DB8::1]:8443' }).nextCalled).toBe(true);
      expectForbidden(run(middleware, { host: 'evil.example' }), 'Forbidden: Host header not allowed');
      expectForbidden(run(middleware, { host: 'mcp.example.com.evil.example' }), 'Forbidden: Host header not allowed');
    });

    it('checks no Host with allowedHosts: false', () => {
      const middleware = middlewareFor('http://127.0.0.1:3000/mcp', { allowedHosts: false });
      expect(run(middleware, { host: 'anything.example' }).nextCalled).toBe(true);
    });

    it('checks no Host for a public resource by default', () => {
      expect(run(middlewareFor('https://mcp.example.com/mcp'), { host: 'other.example' }).nextCalled).toBe(true);
    });
  });

  describe('Origin policy', () => {
    it('sets no CORS headers without an Origin', () => {
      expect(run(middlewareFor('https://mcp.example.com/mcp'), { host: 'mcp.example.com' })).toEqual({
        nextCalled: true,
        headers: {},
      });
    });

    it('answers any origin with * for a public resource, exposing the challenge header', () => {
      const outcome = run(middlewareFor('https://mcp.example.com/mcp'), { origin: 'https://inspector.example' });
      expect(outcome).toEqual({
        nextCalled: true,
        headers: {
          'access-control-allow-origin': '*',
          'access-control-expose-headers': 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version',
          vary: 'Origin',
        },
      });
    });

    it.each(['http://127.0.0.1:3000', 'http://localhost:6274', 'https://127.0.0.1:8443', 'http://[::1]:5173'])(
      'echoes the loopback origin %s for a loopback resource',
      (origin) => {
        const outcome = run(middlewareFor('http://127.0.0.1:3000/mcp'), { host: '127.0.0.1:3000', origin });
        expect(outcome.nextCalled).toBe(true);
        expect(outcome.headers['access-control-allow-origin']).toBe(origin);
        expect(outcome.headers['access-control-expose-headers']).toContain('WWW-Authenticate');
        expect(outcome.headers.vary).toBe('Origin');
      },
    );

    it.each([
      ['a foreign origin', 'https://attacker.example'],
      ['a loopback look-alike', 'http://localhost.attacker.example'],
      ['the opaque null origin', 'null'],
      ['a non-http scheme', 'file://'],
      ['garbage', 'not an origin'],
    ])('refuses %s for a loopback resource (TR-01)', (_name, origin) => {
      expectForbidden(
        run(middlewareFor('http://127.0.0.1:3000/mcp'), { host: '127.0.0.1:3000', origin }),
        'Forbidden: Origin not allowed',
      );
    });

    it('accepts exactly the configured origins, without the loopback allowance', () => {
      const middleware = middlewareFor('http://127.0.0.1:3000/mcp', { allowedOrigins: ['https://app.example.com'] });
      const allowed = run(middleware, { host: '127.0.0.1:3000', origin: 'https://app.example.com' });
      expect(allowed.nextCalled).toBe(true);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
      for (const origin of ['http://localhost:5173', 'https://app.example.com:8443', 'http://app.example.com']) {
        expectForbidden(run(middleware, { host: '127.0.0.1:3000', origin }), 'Forbidden: Origin not allowed');
      }
    });

    it('never allows credentials (TR-02)', () => {
      for (const resource of ['https://mcp.example.com/mcp', 'http://127.0.0.1:3000/mcp']) {
        const outcome = run(middlewareFor(resource), { host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3000' });
        expect(outcome.headers).not.toHaveProperty('access-control-allow-credentials');
      }
    });

    it('checks the Host before the Origin', () => {
      const outcome = run(middlewareFor('http://127.0.0.1:3000/mcp'), {
        host: 'attacker.example',
        origin: 'http://127.0.0.1:3000',
      });
      expectForbidden(outcome, 'Forbidden: Host header not allowed');
    });
  });

  describe('CORS preflight', () => {
    it('answers 204 itself, so it never reaches the auth guard', () => {
      const outcome = run(
        middlewareFor('http://127.0.0.1:3000/mcp'),
        { host: '127.0.0.1:3000', origin: 'http://localhost:6274' },
        'OPTIONS',
      );
      expect(outcome).toEqual({
        nextCalled: false,
        status: 204,
        body: undefined,
        headers: {
          'access-control-allow-origin': 'http://localhost:6274',
          'access-control-expose-headers': 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version',
          vary: 'Origin',
          'access-control-allow-methods': 'POST, GET, DELETE, OPTIONS',
          'access-control-allow-headers':
            'Authorization, Content-Type, Accept, Mcp-Protocol-Version, Mcp-Session-Id, Last-Event-ID, Mcp-Method, Mcp-Name',
          'access-control-max-age': '86400',
        },
      });
    });

    it('answers 204 without an Origin, with no allow-origin header', () => {
      const outcome = run(middlewareFor('https://mcp.example.com/mcp'), {}, 'OPTIONS');
      expect(outcome.status).toBe(204);
      expect(outcome.nextCalled).toBe(false);
      expect(outcome.headers).not.toHaveProperty('access-control-allow-origin');
    });

    it('refuses a preflight from a forbidden origin with 403', () => {
      expectForbidden(
        run(
          middlewareFor('http://127.0.0.1:3000/mcp'),
          { host: '127.0.0.1:3000', origin: 'https://evil.example' },
          'OPTIONS',
        ),
        'Forbidden: Origin not allowed',
      );
    });
  });
});
