import {
  codeChallengeS256,
  createCodeVerifier,
  createUpstreamTransactionSecrets,
  isCodeVerifier,
} from './upstream-pkce.js';

describe('upstream PKCE', () => {
  it('computes the RFC 7636 Appendix B challenge', () => {
    expect(codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('creates 43-character verifiers that differ each time', () => {
    const a = createCodeVerifier();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(isCodeVerifier(a)).toBe(true);
    expect(createCodeVerifier()).not.toBe(a);
  });

  it.each([
    ['too short', 'a'.repeat(42)],
    ['too long', 'a'.repeat(129)],
    ['a forbidden character', `${'a'.repeat(42)}+`],
    ['a space', `${'a'.repeat(42)} `],
  ])('refuses a verifier that is %s', (_name, verifier) => {
    expect(isCodeVerifier(verifier)).toBe(false);
    expect(() => codeChallengeS256(verifier)).toThrow(TypeError);
  });

  it('creates independent state, verifier and nonce', () => {
    const secrets = createUpstreamTransactionSecrets();
    expect(new Set([secrets.state, secrets.codeVerifier, secrets.nonce]).size).toBe(3);
    for (const value of Object.values(secrets)) expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
