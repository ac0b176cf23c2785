import { IsInt, IsOptional, IsString, Min } from 'class-validator';
import { indexPath, validateSection } from './validate-section.js';

class Example {
  @IsString() name!: string;
  @IsOptional() @IsInt() @Min(1) count?: number;
  @IsOptional() @IsString({ message: 'needs text' }) label?: string;
}

function check(path: string, value: unknown): { valid: boolean; problems: string[] } {
  const problems: string[] = [];
  const valid = validateSection(path, Example, value, problems);
  return { valid, problems };
}

describe('validateSection', () => {
  it('accepts a valid object and reports nothing', () => {
    expect(check('section', { name: 'x', count: 2 })).toEqual({ valid: true, problems: [] });
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['an array', [{ name: 'x' }]],
    ['a string', 'name'],
    ['a number', 1],
  ])('refuses %s as "must be an object" and tells the caller not to descend', (_name, value) => {
    expect(check('section', value)).toEqual({ valid: false, problems: ['section: must be an object'] });
  });

  it('prefixes every problem with the option path and drops the repeated property name', () => {
    expect(check('a.b', { count: 0 }).problems).toEqual([
      'a.b.name: must be a string',
      'a.b.count: must not be less than 1',
    ]);
  });

  it('uses the bare property name at the root path', () => {
    expect(check('', { name: 1 }).problems).toEqual(['name: must be a string']);
  });

  it('keeps custom messages that do not start with the property name', () => {
    expect(check('s', { name: 'x', label: 1 }).problems).toEqual(['s.label: needs text']);
  });

  it('reports unknown properties as "unknown option", together with other problems', () => {
    const { valid, problems } = check('verifier', { name: 1, jwksUrl: 'https://x', other: true });
    expect(valid).toBe(true);
    expect(problems).toEqual(
      expect.arrayContaining([
        'verifier.jwksUrl: unknown option',
        'verifier.other: unknown option',
        'verifier.name: must be a string',
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  it("never modifies the caller's object", () => {
    const value = { name: 'x', unknown: 1 };
    check('s', value);
    expect(value).toEqual({ name: 'x', unknown: 1 });
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('appends to the problems already collected', () => {
    const problems = ['earlier'];
    validateSection('s', Example, {}, problems);
    expect(problems).toEqual(['earlier', 's.name: must be a string']);
  });
});

describe('indexPath', () => {
  it('formats an array index', () => {
    expect(indexPath('verifier.verifiers', 2)).toBe('verifier.verifiers[2]');
  });
});
