import { ConfiguredUsersAuthenticator } from './configured-users.authenticator.js';
import { hashPassword, passwordHashParameters } from './password-hash.js';

describe('ConfiguredUsersAuthenticator', () => {
  it('signs in configured users with their subject, scopes and claims', async () => {
    const authenticator = await ConfiguredUsersAuthenticator.create(
      [
        {
          username: 'alice',
          password: await hashPassword('wonderland', { N: 2 ** 10 }),
          subject: 'u-1',
          scopes: ['a'],
        },
        { username: 'bob', password: await hashPassword('builder', { N: 2 ** 10 }), claims: { name: 'Bob' } },
      ],
      true,
    );
    expect(await authenticator.authenticate('alice', 'wonderland')).toEqual({
      subject: 'u-1',
      scopes: ['a'],
      claims: undefined,
    });
    expect(await authenticator.authenticate('bob', 'builder')).toEqual({
      subject: 'bob',
      scopes: undefined,
      claims: { name: 'Bob' },
    });
  });

  it('answers undefined alike for a wrong password and an unknown user (AS-06)', async () => {
    const authenticator = await ConfiguredUsersAuthenticator.create(
      [{ username: 'alice', password: await hashPassword('wonderland', { N: 2 ** 10 }) }],
      true,
    );
    expect(await authenticator.authenticate('alice', 'nope')).toBeUndefined();
    expect(await authenticator.authenticate('nobody', 'wonderland')).toBeUndefined();
    expect(await authenticator.authenticate('Alice', 'wonderland')).toBeUndefined();
  });

  it('checks unknown users against a dummy hash of the same cost as the users’ hashes', async () => {
    const authenticator = await ConfiguredUsersAuthenticator.create(
      [{ username: 'alice', password: await hashPassword('wonderland', { N: 2 ** 11, r: 4 }) }],
      true,
    );
    const dummy = (authenticator as unknown as { dummyHash: string }).dummyHash;
    expect(passwordHashParameters(dummy)).toEqual({ N: 2 ** 11, r: 4, p: 1 });
  });

  it('hashes plain passwords outside production (and still verifies them)', async () => {
    const authenticator = await ConfiguredUsersAuthenticator.create([{ username: 'dev', password: 'dev' }], false);
    expect(await authenticator.authenticate('dev', 'dev')).toMatchObject({ subject: 'dev' });
    const users = (authenticator as unknown as { users: Map<string, { password: string }> }).users;
    expect(users.get('dev')!.password).toMatch(/^scrypt\$/);
  });

  it('refuses plain passwords in production, naming the user', async () => {
    await expect(ConfiguredUsersAuthenticator.create([{ username: 'ops', password: 'hunter2' }], true)).rejects.toThrow(
      'server.users: the password of "ops" must be a hashPassword() string in production',
    );
  });
});
