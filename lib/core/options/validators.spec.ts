import { validateSync } from 'class-validator';
import { IsClass, IsHttpUrl, IsScopeList, isScopeToken, IsStringOrStringArray, parseHttpUrl } from './validators.js';

class Sample {
  @IsHttpUrl() strict?: unknown;
  @IsHttpUrl({ allowQuery: true }) withQuery?: unknown;
  @IsStringOrStringArray() names?: unknown;
  @IsScopeList() scopes?: unknown;
  @IsClass() type?: unknown;
}

class Verifier {
  verify(): void {}
}

const valid: Record<keyof Sample, unknown> = {
  strict: 'https://x.example/mcp',
  withQuery: 'https://x.example/mcp',
  names: 'a',
  scopes: ['a'],
  type: Verifier,
};

/** The messages class-validator reports for one property of {@link Sample}. */
function messagesFor(property: keyof Sample, value: unknown): string[] {
  const instance = Object.assign(new Sample(), valid, { [property]: value });
  return validateSync(instance).flatMap((e) => Object.values(e.constraints ?? {}));
}

describe('parseHttpUrl', () => {
  it.each(['https://x.example', 'http://127.0.0.1:3000/mcp', 'https://x.example/mcp?q=1'])('parses %s', (value) => {
    expect(parseHttpUrl(value)).toBeInstanceOf(URL);
  });

  it.each([
    ['a number', 1],
    ['undefined', undefined],
    ['an empty string', ''],
    ['leading whitespace', ' https://x.example'],
    ['trailing whitespace', 'https://x.example\n'],
    ['a relative URL', '/mcp'],
    ['another scheme', 'ftp://x.example'],
    ['a javascript URL', 'javascript:alert(1)'],
    ['userinfo', 'https://user:pw@x.example'],
    ['a user name only', 'https://user@x.example'],
    ['a fragment', 'https://x.example/#f'],
    ['an empty fragment', 'https://x.example/#'],
    ['not a URL', 'https://'],
  ])('refuses %s', (_name, value) => {
    expect(parseHttpUrl(value)).toBeUndefined();
  });
});

describe('IsHttpUrl', () => {
  it('accepts absolute http(s) URLs', () => {
    expect(messagesFor('strict', 'http://localhost:3000/mcp')).toEqual([]);
  });

  it('refuses a query unless allowQuery is set', () => {
    expect(messagesFor('strict', 'https://x.example/mcp?x=1')).toEqual([
      'must be an absolute http(s) URL without userinfo or fragment or query',
    ]);
    expect(messagesFor('withQuery', 'https://x.example/mcp?x=1')).toEqual([]);
  });

  it('names what is wrong without the query clause when queries are allowed', () => {
    expect(messagesFor('withQuery', 'ftp://x')).toEqual([
      'must be an absolute http(s) URL without userinfo or fragment',
    ]);
  });
});

describe('IsStringOrStringArray', () => {
  it.each([['a'], [['a', 'b']]])('accepts %j', (value) => {
    expect(messagesFor('names', value)).toEqual([]);
  });

  it.each([[''], [[]], [['']], [['a', 1]], [1], [null]])('refuses %j', (value) => {
    expect(messagesFor('names', value)).toEqual(['must be a non-empty string or an array of non-empty strings']);
  });
});

describe('IsScopeList', () => {
  it.each([[[]], [['mcp:read', 'notes.write', 'https://api.example.com/x']]])('accepts %j', (value) => {
    expect(messagesFor('scopes', value)).toEqual([]);
  });

  it.each([[['a b']], [['a"b']], [['a\\b']], [['']], [['é']], [['a\tb']], ['mcp:read'], [[1]]])(
    'refuses %j',
    (value) => {
      expect(messagesFor('scopes', value)).toEqual([
        'must be an array of scope tokens (printable ASCII without space, " or \\)',
      ]);
    },
  );
});

describe('isScopeToken (RFC 6749 §3.3)', () => {
  it('accepts %x21 / %x23-5B / %x5D-7E', () => {
    const all = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i))
      .filter((c) => c !== '"' && c !== '\\')
      .join('');
    expect(isScopeToken(all)).toBe(true);
  });

  it.each(['', ' ', '"', '\\', '\u007f', '\u0000', 'é', 'a b'])('refuses %j', (value) => {
    expect(isScopeToken(value)).toBe(false);
  });
});

describe('IsClass', () => {
  it('accepts a class and a constructor function', () => {
    expect(messagesFor('type', Verifier)).toEqual([]);
    expect(messagesFor('type', function LegacyVerifier() {})).toEqual([]);
  });

  it.each([
    ['an arrow function', () => undefined],
    ['an instance', {}],
    ['a string', 'Verifier'],
  ])('refuses %s', (_name, value) => {
    expect(messagesFor('type', value)).toEqual(['must be a class']);
  });
});
