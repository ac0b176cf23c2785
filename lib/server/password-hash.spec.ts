import { hashPassword, isPasswordHash, passwordHashParameters, verifyPassword } from './password-hash.js';

// A low cost keeps the unit suite fast; the format and the checks are the same at any cost.
const FAST = { N: 2 ** 10 };

describe('password hashing (scrypt)', () => {
  it('verifies the right password and refuses others', async () => {
    const hash = await hashPassword('correct horse', FAST);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsE', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('is salted: the same password hashes differently each time', async () => {
    const [a, b] = await Promise.all([hashPassword('pw', FAST), hashPassword('pw', FAST)]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('pw', a)).toBe(true);
    expect(await verifyPassword('pw', b)).toBe(true);
  });

  it('is self-describing (scrypt$N$r$p$salt$key) with OWASP defaults', async () => {
    const hash = await hashPassword('pw');
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(passwordHashParameters(hash)).toEqual({ N: 2 ** 17, r: 8, p: 1 });
  });

  it('normalizes Unicode (NFKC) so the same password typed differently matches', async () => {
    const hash = await hashPassword('caf\u00e9', FAST);
    expect(await verifyPassword('cafe\u0301', hash)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['plain text', 'password'],
    ['another algorithm', 'bcrypt$10$abc'],
    ['N not a power of two', 'scrypt$1000$8$1$c2FsdHNhbHRzYWx0$' + 'A'.repeat(43)],
    ['N absurdly large (memory exhaustion)', `scrypt$${2 ** 30}$8$1$c2FsdHNhbHRzYWx0$${'A'.repeat(43)}`],
    ['r out of range', `scrypt$1024$64$1$c2FsdHNhbHRzYWx0$${'A'.repeat(43)}`],
    ['short salt', `scrypt$1024$8$1$c2FsdA$${'A'.repeat(43)}`],
    ['short key', `scrypt$1024$8$1$c2FsdHNhbHRzYWx0$${'A'.repeat(20)}`],
    ['extra field', `scrypt$1024$8$1$c2FsdHNhbHRzYWx0$${'A'.repeat(43)}$x`],
  ])('a malformed hash (%s) never matches and is not a hash', async (_name, encoded) => {
    expect(isPasswordHash(encoded)).toBe(false);
    expect(passwordHashParameters(encoded)).toBeUndefined();
    expect(await verifyPassword('password', encoded)).toBe(false);
  });
});
