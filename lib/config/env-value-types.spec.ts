import { EnvTypes, splitList, type EnvValueType } from './env-value-types.js';

const parse = (type: EnvValueType, raw: string) => type.parse(raw);

describe('EnvTypes', () => {
  describe('lists', () => {
    it.each([
      ['a,b,c', ['a', 'b', 'c']],
      ['a b c', ['a', 'b', 'c']],
      ['a, b ,c', ['a', 'b', 'c']],
      ['  a\tb\n', ['a', 'b']],
      [',a,,b,', ['a', 'b']],
      ['notes:read', ['notes:read']],
    ])('splits %j on commas and whitespace', (raw, expected) => {
      expect(splitList(raw)).toEqual(expected);
      expect(parse(EnvTypes.list, raw)).toEqual({ value: expected });
    });

    it('gives one value as a string and several as an array (stringOrList)', () => {
      expect(parse(EnvTypes.stringOrList, 'https://a')).toEqual({ value: 'https://a' });
      expect(parse(EnvTypes.stringOrList, 'https://a, https://b')).toEqual({ value: ['https://a', 'https://b'] });
    });
  });

  describe('integer', () => {
    it.each([
      ['0', 0],
      ['42', 42],
      ['-3', -3],
    ])('parses %j', (raw, value) => {
      expect(parse(EnvTypes.integer, raw)).toEqual({ value });
    });

    it.each(['1.5', '1e3', 'ten', '0x10', '99999999999999999999'])('refuses %j', (raw) => {
      expect(parse(EnvTypes.integer, raw)).toEqual({ problem: expect.stringMatching(/^must be an integer \(got /) });
    });
  });

  describe('boolean', () => {
    it.each([
      ['true', true],
      ['TRUE', true],
      ['1', true],
      ['false', false],
      ['False', false],
      ['0', false],
    ])('parses %j', (raw, value) => {
      expect(parse(EnvTypes.boolean, raw)).toEqual({ value });
    });

    it.each(['yes', 'no', 'on', '2', 'truthy'])('refuses %j', (raw) => {
      expect(parse(EnvTypes.boolean, raw)).toEqual({ problem: `must be true, false, 1 or 0 (got "${raw}")` });
    });
  });

  describe('durations', () => {
    it.each([
      ['90', 90],
      ['30s', 30],
      ['5m', 300],
      ['1h', 3600],
      ['2d', 172_800],
      ['2000ms', 2],
    ])('%j is %i seconds', (raw, seconds) => {
      expect(parse(EnvTypes.seconds, raw)).toEqual({ value: seconds });
    });

    it.each([
      ['5', 5000],
      ['500ms', 500],
      ['30s', 30_000],
      ['10m', 600_000],
    ])('%j is %i milliseconds', (raw, milliseconds) => {
      expect(parse(EnvTypes.milliseconds, raw)).toEqual({ value: milliseconds });
    });

    it('refuses a fraction of a second where the option counts seconds', () => {
      expect(parse(EnvTypes.seconds, '1500ms')).toEqual({
        problem: 'must be a whole number of seconds (got "1500ms")',
      });
    });

    it.each(['soon', '1.5s', '-1s', '5 m', '1w', 's'])('refuses %j', (raw) => {
      expect(parse(EnvTypes.seconds, raw)).toEqual({
        problem: `must be a duration such as 30s, 5m, 1h or a number of seconds (got ${JSON.stringify(raw)})`,
      });
    });

    it('refuses durations beyond the safe integer range', () => {
      expect(parse(EnvTypes.milliseconds, '99999999999999d')).toEqual({
        problem: expect.stringMatching(/^is too long/),
      });
    });

    it('names the unit of the converted number', () => {
      expect(EnvTypes.seconds.unit).toBe('seconds');
      expect(EnvTypes.milliseconds.unit).toBe('milliseconds');
    });
  });

  describe('json', () => {
    it('parses JSON values', () => {
      expect(parse(EnvTypes.json, '{"a":[1,true]}')).toEqual({ value: { a: [1, true] } });
    });

    it('refuses invalid JSON without quoting the input (it may hold secrets)', () => {
      const result = parse(EnvTypes.json, '{"dev-token-secret-value": ');
      expect(result).toEqual({ problem: 'must be valid JSON' });
    });
  });

  describe('keys', () => {
    const jwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' };

    it('accepts a JWK Set, an array of JWKs and a single JWK, always as an array', () => {
      expect(parse(EnvTypes.keys, JSON.stringify({ keys: [jwk] }))).toEqual({ value: [jwk] });
      expect(parse(EnvTypes.keys, JSON.stringify([jwk, jwk]))).toEqual({ value: [jwk, jwk] });
      expect(parse(EnvTypes.keys, JSON.stringify(jwk))).toEqual({ value: [jwk] });
    });

    it('accepts a PEM with \\n escapes, as a .env file holds it', () => {
      const pem = '-----BEGIN PUBLIC KEY-----\\nMFkw\\n-----END PUBLIC KEY-----';
      expect(parse(EnvTypes.keys, pem)).toEqual({
        value: ['-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----'],
      });
    });

    it.each(['not json', '{"n":"x"}', '42', 'null'])('refuses %j', (raw) => {
      expect(parse(EnvTypes.keys, raw)).toEqual({ problem: 'must be a PEM, a JWK, an array of JWKs or a JWK Set' });
    });
  });

  describe('signing keys', () => {
    const PEM = (body: string) => `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----`;
    const jwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd', kid: 'k1' };

    it('reads one PEM, with the \\n escapes .env files need', () => {
      expect(parse(EnvTypes.signingKeys, PEM('AAAA').replace(/\n/g, '\\n'))).toEqual({
        value: [{ privateKey: PEM('AAAA') }],
      });
    });

    it('reads several PEM blocks as several keys, in order (rotation)', () => {
      expect(parse(EnvTypes.signingKeys, `${PEM('NEW')}\n${PEM('OLD')}`)).toEqual({
        value: [{ privateKey: PEM('NEW') }, { privateKey: PEM('OLD') }],
      });
    });

    it('refuses text around or between PEM blocks, and a block without its end', () => {
      for (const raw of [
        `${PEM('A')} trailing`,
        `${PEM('A')}\nnoise\n${PEM('B')}`,
        '-----BEGIN PRIVATE KEY-----\nAAAA',
      ]) {
        expect(parse(EnvTypes.signingKeys, raw)).toEqual({ problem: expect.stringMatching(/^must be a PKCS#8 PEM/) });
      }
    });

    it('reads a JWK, a JWK Set and an array of JWKs', () => {
      expect(parse(EnvTypes.signingKeys, JSON.stringify(jwk))).toEqual({ value: [{ privateKey: jwk }] });
      expect(parse(EnvTypes.signingKeys, JSON.stringify({ keys: [jwk, { ...jwk, kid: 'k2' }] }))).toEqual({
        value: [{ privateKey: jwk }, { privateKey: { ...jwk, kid: 'k2' } }],
      });
      expect(parse(EnvTypes.signingKeys, JSON.stringify([jwk]))).toEqual({ value: [{ privateKey: jwk }] });
    });

    it('keeps signing-key options (kid, activateAt, retireAt) and PEM strings inside a JSON array', () => {
      const rotation = [
        { privateKey: jwk, retireAt: 1_796_000_000 },
        { privateKey: PEM('NEXT'), kid: 'next', activateAt: 1_796_000_000 },
        PEM('A').replace(/\n/g, '\\n'),
      ];
      expect(parse(EnvTypes.signingKeys, JSON.stringify(rotation))).toEqual({
        value: [rotation[0], rotation[1], { privateKey: PEM('A') }],
      });
      expect(parse(EnvTypes.signingKeys, JSON.stringify({ privateKey: jwk, alg: 'ES256' }))).toEqual({
        value: [{ privateKey: jwk, alg: 'ES256' }],
      });
    });

    it.each(['not json', '42', '"text"', 'null'])('refuses %j without echoing it', (raw) => {
      const result = parse(EnvTypes.signingKeys, raw) as { problem: string };
      expect(result.problem).toMatch(/^must be a PKCS#8 PEM, a private JWK, a JWK Set or a JSON array/);
    });

    it('never echoes key material from malformed JSON', () => {
      const raw = `{"kty":"EC","d":"${'s'.repeat(40)}"`;
      expect(JSON.stringify(parse(EnvTypes.signingKeys, raw))).not.toContain('sss');
    });
  });

  describe('registration rate limit', () => {
    it.each([
      ['30/1m', { max: 30, windowSeconds: 60 }],
      ['100 / 1h', { max: 100, windowSeconds: 3600 }],
      ['5/90', { max: 5, windowSeconds: 90 }],
      ['false', false],
      ['0', false],
    ])('parses %j', (raw, value) => {
      expect(parse(EnvTypes.rateLimit, raw)).toEqual({ value });
    });

    it.each(['30', 'true', '30/soon', '/1m', '30/1.5s', '1/500ms'])('refuses %j', (raw) => {
      expect(parse(EnvTypes.rateLimit, raw)).toEqual({
        problem: `must be a number per window such as 30/1m or 100/1h, or false (got ${JSON.stringify(raw)})`,
      });
    });
  });

  it('parses encryption keys as id:key pairs, the sealing key first', () => {
    expect(parse(EnvTypes.encryptionKeys, 'k2:AAAA, k1:BBBB')).toEqual({
      value: [
        { id: 'k2', key: 'AAAA' },
        { id: 'k1', key: 'BBBB' },
      ],
    });
  });

  it('labels every type for the reference', () => {
    expect(EnvTypes.oneOf(['memory', 'redis']).label).toBe('`memory` / `redis`');
    expect(EnvTypes.url().label).toBe('URL');
    expect(EnvTypes.urls.label).toBe('URL list');
  });

  it('shortens long raw values in messages, so a pasted secret never shows in full', () => {
    const raw = 'x'.repeat(64);
    const result = parse(EnvTypes.integer, raw) as { problem: string };
    expect(result.problem).not.toContain(raw);
    expect(result.problem).toContain('xxxxxxxxxxxx…');
  });
});
