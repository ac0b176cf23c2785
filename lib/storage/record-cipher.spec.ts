import { decodeProtectedHeader } from 'jose';
import { generateRecordKey, RecordCipher, type Sealed } from './record-cipher.js';
import { RecordDecryptionError } from './storage.errors.js';
import { StoreNamespace } from './store-key.js';

interface UpstreamTokens {
  access_token: string;
  refresh_token: string;
  expires_at: number;
}

const UPSTREAM = new StoreNamespace<{ tokens: Sealed<UpstreamTokens> }>('upstream');
const tokens: UpstreamTokens = { access_token: 'gho_secretAccess', refresh_token: 'ghr_secretRefresh', expires_at: 1 };
const k1 = { id: 'k1', key: generateRecordKey() };
const k2 = { id: 'k2', key: generateRecordKey() };

async function expectRefused(promise: Promise<unknown>, reason: RecordDecryptionError['reason']): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RecordDecryptionError);
  expect(error).toMatchObject({ reason, code: 'ERR_MCP_AUTH_RECORD_DECRYPTION' });
}

/** Replaces one character of part `part` (0-4) of a compact JWE. */
function tamper(jwe: string, part: number): string {
  const parts = jwe.split('.');
  const text = parts[part]!;
  const i = Math.floor(text.length / 2);
  parts[part] = text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1);
  return parts.join('.');
}

describe('RecordCipher', () => {
  const cipher = new RecordCipher([k1]);
  const key = UPSTREAM.key('grant-1');

  it('round-trips a value sealed for a store key', async () => {
    const sealed = await cipher.seal(tokens, key);
    const opened: UpstreamTokens = await cipher.open(sealed, key);
    expect(opened).toEqual(tokens);
  });

  it('produces a dir/A256GCM compact JWE naming its key, with no plaintext in it', async () => {
    const sealed = await cipher.seal(tokens, key);
    expect(sealed.split('.')).toHaveLength(5);
    expect(sealed.split('.')[1]).toBe(''); // no encrypted key with `dir`
    expect(decodeProtectedHeader(sealed)).toMatchObject({ alg: 'dir', enc: 'A256GCM', kid: 'k1' });
    expect(JSON.stringify(decodeProtectedHeader(sealed))).not.toContain('grant-1');
    for (const secret of ['gho_', 'ghr_', 'secretAccess']) {
      expect(sealed).not.toContain(secret);
      expect(Buffer.from(sealed.replace(/\./g, ''), 'base64url').toString('latin1')).not.toContain(secret);
    }
  });

  it('uses a fresh IV every time', async () => {
    expect(await cipher.seal(tokens, key)).not.toBe(await cipher.seal(tokens, key));
  });

  it.each([
    [0, 'the protected header'],
    [2, 'the IV'],
    [3, 'the ciphertext'],
    [4, 'the authentication tag'],
  ])('refuses a value whose part %i (%s) was altered', async (part) => {
    const sealed = await cipher.seal(tokens, key);
    const altered = tamper(sealed, part) as Sealed<UpstreamTokens>;
    const error = await cipher.open(altered, key).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordDecryptionError);
    expect(['invalid', 'malformed', 'unknown_key']).toContain((error as RecordDecryptionError).reason);
  });

  it('refuses a value sealed for another record (swapped records, S-04)', async () => {
    const sealed = await cipher.seal(tokens, UPSTREAM.key('grant-of-u1'));
    await expectRefused(cipher.open(sealed, UPSTREAM.key('grant-of-u2')), 'context_mismatch');
    await expectRefused(cipher.open(sealed, { namespace: 'other', key: 'grant-of-u1' }), 'context_mismatch');
  });

  it('refuses a header rewritten to name another record, even with its key', async () => {
    const sealed = await cipher.seal(tokens, UPSTREAM.key('a'));
    const [, ...rest] = sealed.split('.');
    const header = { ...decodeProtectedHeader(sealed), ctx: 'forged' };
    const forged = [Buffer.from(JSON.stringify(header)).toString('base64url'), ...rest].join('.');
    await expectRefused(cipher.open(forged as Sealed<UpstreamTokens>, UPSTREAM.key('a')), 'invalid');
  });

  it('supports rotation: seals with the first key, opens with any, says what to re-seal', async () => {
    const old = await cipher.seal(tokens, key);
    const rotated = new RecordCipher([k2, k1]);
    expect(rotated.sealingKeyId).toBe('k2');
    expect(await rotated.open(old, key)).toEqual(tokens);
    const fresh = await rotated.seal(tokens, key);
    expect(decodeProtectedHeader(fresh).kid).toBe('k2');
    expect(rotated.needsReseal(old)).toBe(true);
    expect(rotated.needsReseal(fresh)).toBe(false);
    expect(await cipher.open(fresh, key).catch((e: unknown) => e)).toMatchObject({ reason: 'unknown_key' });
    await expectRefused(new RecordCipher([k2]).open(old, key), 'unknown_key');
  });

  it('refuses a value sealed with a different key under the same id', async () => {
    const sealed = await cipher.seal(tokens, key);
    await expectRefused(new RecordCipher([{ id: 'k1', key: generateRecordKey() }]).open(sealed, key), 'invalid');
  });

  it.each(['', 'not-a-jwe', 'a.b.c.d.e', 'eyJhbGciOiJkaXIifQ....'])(
    'refuses garbage %p as malformed',
    async (garbage) => {
      const error = await cipher.open(garbage as Sealed<unknown>, key).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RecordDecryptionError);
      expect(['malformed', 'unknown_key']).toContain((error as RecordDecryptionError).reason);
    },
  );

  it('accepts raw 32-byte keys', async () => {
    const raw = new RecordCipher([{ id: 'raw', key: new Uint8Array(32).fill(7) }]);
    expect(await raw.open(await raw.seal('x', key), key)).toBe('x');
  });

  it('refuses values without a JSON form', async () => {
    await expect(cipher.seal(undefined, key)).rejects.toThrow(TypeError);
  });

  it.each([
    [[], 'at least one key'],
    [[{ id: 'k', key: 'short' }], 'must be 32 bytes'],
    [[{ id: 'k', key: Buffer.alloc(16) }], 'must be 32 bytes'],
    [[{ id: 'bad id', key: generateRecordKey() }], 'key id'],
    [[k1, { id: 'k1', key: generateRecordKey() }], 'used twice'],
  ])('refuses the key list %#', (keys, message) => {
    expect(() => new RecordCipher(keys)).toThrow(message);
  });

  it('types sealed values: plaintext cannot be stored where a sealed value belongs', () => {
    // @ts-expect-error a plain string is not a Sealed<UpstreamTokens>
    const record: { tokens: Sealed<UpstreamTokens> } = { tokens: 'plain' };
    expect(record.tokens).toBe('plain');
  });
});
