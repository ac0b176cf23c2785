import type { RedisServer } from '../../helpers/redis-server.js';

/** One record as Redis holds it. */
export interface RedisRecord {
  readonly key: string;
  /** Namespace of the record (`oauth-rt`, `oauth-grant`, …), from `<prefix><namespace>:<id>`. */
  readonly namespace: string;
  readonly value: string;
  /** Milliseconds to live (`PTTL`): -1 means no expiry. */
  readonly pttl: number;
}

/** Every record under a key prefix (`SCAN` + `GET` + `PTTL`), as the catalog's `keys()` helper. */
export async function dumpRedis(redis: RedisServer, prefix: string): Promise<RedisRecord[]> {
  const admin = redis.admin();
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const records: RedisRecord[] = [];
    for (const key of keys) {
      const [value, pttl] = await Promise.all([admin.get(key), admin.pttl(key)]);
      if (value === null) continue;
      records.push({ key, namespace: key.slice(prefix.length).split(':')[0], value, pttl });
    }
    return records;
  } finally {
    admin.disconnect();
  }
}

/** Deletes every record under a prefix: this deployment's data is lost (F-12). */
export async function deleteRedisPrefix(redis: RedisServer, prefix: string): Promise<number> {
  const records = await dumpRedis(redis, prefix);
  if (records.length === 0) return 0;
  const admin = redis.admin();
  try {
    return await admin.del(...records.map((record) => record.key));
  } finally {
    admin.disconnect();
  }
}
