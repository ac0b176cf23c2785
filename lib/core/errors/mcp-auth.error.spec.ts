import { McpAuthError, McpAuthHttpError, sanitizeErrorDescription } from './mcp-auth.error.js';

class ExampleError extends McpAuthHttpError {
  readonly code = 'ERR_MCP_AUTH_EXAMPLE';
  readonly error = 'invalid_request';
  readonly status = 400;
}

describe('McpAuthError', () => {
  it('is named after the concrete class and keeps its cause', () => {
    const cause = new Error('root');
    const error = new ExampleError('message', { cause });
    expect(error).toBeInstanceOf(McpAuthError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ExampleError');
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('message');
  });

  it('exposes the sanitised message as the client-safe description (I-6)', () => {
    expect(new ExampleError('bad "token"\r\nX-Injected: 1').description).toBe('bad  token   X-Injected: 1');
  });
});

describe('sanitizeErrorDescription (RFC 6750 §3 charset)', () => {
  it('keeps every allowed character: %x20-21 / %x23-5B / %x5D-7E', () => {
    const allowed = [0x20, 0x21, ...range(0x23, 0x5b), ...range(0x5d, 0x7e)]
      .map((c) => String.fromCharCode(c))
      .join('');
    expect(allowed).toHaveLength(93);
    expect(sanitizeErrorDescription(allowed)).toBe(allowed);
  });

  it.each([
    ['a double quote', '"'],
    ['a backslash', '\\'],
    ['CR', '\r'],
    ['LF', '\n'],
    ['TAB', '\t'],
    ['NUL', '\u0000'],
    ['DEL', '\u007f'],
    ['a Latin-1 letter', 'é'],
    ['NEL', '\u0085'],
    ['a line separator', '\u2028'],
  ])('replaces %s with a space (I-6)', (_name, character) => {
    expect(sanitizeErrorDescription(`a${character}b`)).toBe('a b');
  });

  it('replaces each UTF-16 unit of an astral character', () => {
    expect(sanitizeErrorDescription('a😀b')).toBe('a  b');
  });

  it('replaces every forbidden character in an arbitrary string', () => {
    const all = Array.from({ length: 0x180 }, (_, c) => String.fromCharCode(c)).join('');
    expect(sanitizeErrorDescription(all)).toMatch(/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/);
  });

  it('caps the description at 300 characters', () => {
    expect(sanitizeErrorDescription('x'.repeat(1000))).toBe('x'.repeat(300));
    expect(sanitizeErrorDescription('x'.repeat(300))).toHaveLength(300);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
