import { BadRequestException, ForbiddenException, HttpException, HttpStatus } from '@nestjs/common';
import { InvalidTokenError, VerifierUnavailableError } from '../core/errors/token.errors.js';
import { UpstreamRejectedError } from '../proxy/upstream/upstream.errors.js';
import { authErrorToToolError, httpExceptionToToolError, toCallToolResult } from './tool-result.js';

describe('toCallToolResult', () => {
  it('passes a CallToolResult through unchanged', () => {
    const result = { content: [{ type: 'text' as const, text: 'x' }], isError: true, structuredContent: { a: 1 } };
    expect(toCallToolResult(result)).toBe(result);
    const empty = { content: [] };
    expect(toCallToolResult(empty)).toBe(empty);
  });

  it('turns a string into one text item', () => {
    expect(toCallToolResult('hello')).toEqual({ content: [{ type: 'text', text: 'hello' }] });
    expect(toCallToolResult('')).toEqual({ content: [{ type: 'text', text: '' }] });
  });

  it('turns undefined into an empty result', () => {
    expect(toCallToolResult(undefined)).toEqual({ content: [] });
  });

  it('returns a plain object as JSON text and as structuredContent', () => {
    const value = { notes: [{ id: 1 }], total: 1 };
    const result = toCallToolResult(value);
    expect(result).toEqual({
      content: [{ type: 'text', text: '{"notes":[{"id":1}],"total":1}' }],
      structuredContent: value,
    });
    expect(result.structuredContent).toBe(value);
  });

  it('treats an object without prototype as a plain object', () => {
    const value = Object.assign(Object.create(null) as object, { a: 1 });
    expect(toCallToolResult(value).structuredContent).toBe(value);
  });

  it('does not pass through an object whose content is not an array', () => {
    expect(toCallToolResult({ content: 'text' })).toEqual({
      content: [{ type: 'text', text: '{"content":"text"}' }],
      structuredContent: { content: 'text' },
    });
  });

  it.each([
    ['null', null, 'null'],
    ['a number', 42, '42'],
    ['false', false, 'false'],
    ['an array', [1, 'a'], '[1,"a"]'],
    ['a Date', new Date(Date.UTC(2030, 0, 1)), '"2030-01-01T00:00:00.000Z"'],
  ])('returns %s as JSON text only', (_name, value, text) => {
    expect(toCallToolResult(value)).toEqual({ content: [{ type: 'text', text }] });
  });

  it('returns a class instance as JSON text without structuredContent, even with a content array', () => {
    class Page {
      content = [{ type: 'text', text: 'x' }];
    }
    expect(toCallToolResult(new Page())).toEqual({
      content: [{ type: 'text', text: '{"content":[{"type":"text","text":"x"}]}' }],
    });
  });

  it('falls back to String() for values JSON cannot represent', () => {
    expect(toCallToolResult(Symbol('s'))).toEqual({ content: [{ type: 'text', text: 'Symbol(s)' }] });
  });
});

describe('httpExceptionToToolError', () => {
  it.each([
    ['an Error', new Error('x')],
    ['a string', 'x'],
    ['undefined', undefined],
  ])('is undefined for %s, which stays a protocol failure', (_name, error) => {
    expect(httpExceptionToToolError(error)).toBeUndefined();
  });

  it('uses a string response as the message', () => {
    expect(httpExceptionToToolError(new HttpException('Quota exceeded', HttpStatus.TOO_MANY_REQUESTS))).toEqual({
      content: [{ type: 'text', text: 'Quota exceeded' }],
      isError: true,
    });
  });

  it('joins ValidationPipe messages', () => {
    const error = new BadRequestException(['text must be a string', 'text should not be empty']);
    expect(httpExceptionToToolError(error)).toEqual({
      content: [{ type: 'text', text: 'text must be a string; text should not be empty' }],
      isError: true,
    });
  });

  it('uses the message of an object response', () => {
    expect(httpExceptionToToolError(new ForbiddenException())).toEqual({
      content: [{ type: 'text', text: 'Forbidden' }],
      isError: true,
    });
    expect(httpExceptionToToolError(new ForbiddenException('Not your note'))?.content).toEqual([
      { type: 'text', text: 'Not your note' },
    ]);
  });

  it("falls back to the exception's message when the response has none", () => {
    const error = new HttpException({ detail: 'x' }, HttpStatus.CONFLICT);
    expect(httpExceptionToToolError(error)).toEqual({
      content: [{ type: 'text', text: error.message }],
      isError: true,
    });
  });
});

describe('tool results JSON cannot represent', () => {
  it('falls back to the string form for bigint and cycles', () => {
    expect(toCallToolResult(10n)).toEqual({ content: [{ type: 'text', text: '10' }] });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(toCallToolResult(cycle)).toMatchObject({ content: [{ type: 'text', text: '[object Object]' }] });
  });

  it('keeps the description of an OAuth-shaped HttpException body', () => {
    const error = new HttpException({ error: 'insufficient_scope', error_description: 'needs admin' }, 403);
    expect(httpExceptionToToolError(error)).toEqual({
      content: [{ type: 'text', text: 'needs admin' }],
      isError: true,
    });
  });
});

describe('authErrorToToolError', () => {
  it('turns an upstream refusal inside a tool into a tool error naming the code, without internals', () => {
    const error = new UpstreamRejectedError('The upstream authorization no longer exists', {
      operation: 'refresh',
      reason: 'invalid_grant',
    });
    const result = authErrorToToolError(error);
    expect(result?.isError).toBe(true);
    expect(result?.content).toEqual([{ type: 'text', text: expect.stringContaining('(invalid_grant)') }]);
    expect(JSON.stringify(result)).not.toMatch(/\.ts:|at \w+ \(/);
  });

  it('covers every library HTTP error and nothing else', () => {
    expect(authErrorToToolError(new InvalidTokenError('revoked', 'inactive'))?.isError).toBe(true);
    expect(authErrorToToolError(new VerifierUnavailableError('down'))?.content[0]).toMatchObject({ type: 'text' });
    expect(authErrorToToolError(new Error('plain'))).toBeUndefined();
    expect(authErrorToToolError('text')).toBeUndefined();
  });
});
