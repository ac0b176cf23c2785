import { IsIn } from 'class-validator';
import { IsHttpUrl } from '../core/options/validators.js';
import { parseEncryptionKeyList } from '../storage/validate-storage-options.js';

/** What parsing one environment variable gave: the converted value, or what is wrong with it. */
export type EnvParseResult = { readonly value: unknown } | { readonly problem: string };

/**
 * How the text of an environment variable becomes an option value. Each type names itself in
 * the generated reference (`label`), converts (`parse`) and may bring class-validator rules
 * that the converted value must pass (`decorators`, applied by `@EnvVariable`).
 * @publicApi
 */
export interface EnvValueType {
  /** Shown in the "Type" column of the reference, e.g. `duration`. */
  readonly label: string;
  parse(raw: string): EnvParseResult;
  /** Unit of the converted number, named in range messages (`milliseconds`). */
  readonly unit?: string;
  /** class-validator rules for the converted value. */
  readonly decorators?: readonly PropertyDecorator[];
}

const LIST_SEPARATOR = /[\s,]+/;
const DURATION = /^(\d+)(ms|s|m|h|d)?$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Splits a list written with commas and/or whitespace: `a,b`, `a b` and `a, b` are the same. */
export function splitList(raw: string): string[] {
  return raw.split(LIST_SEPARATOR).filter((item) => item !== '');
}

const string: EnvValueType = { label: 'string', parse: (raw) => ({ value: raw }) };

const list: EnvValueType = { label: 'list', parse: (raw) => ({ value: splitList(raw) }) };

/** One value as a string, several as an array (options such as `issuer` accept both). */
const stringOrList: EnvValueType = {
  label: 'string or list',
  parse(raw) {
    const items = splitList(raw);
    return { value: items.length === 1 ? items[0] : items };
  },
};

const integer: EnvValueType = {
  label: 'integer',
  parse(raw) {
    const value = Number(raw);
    return /^-?\d+$/.test(raw) && Number.isSafeInteger(value)
      ? { value }
      : { problem: `must be an integer (got ${quoteRaw(raw)})` };
  },
};

const boolean: EnvValueType = {
  label: 'boolean',
  parse(raw) {
    const lower = raw.toLowerCase();
    if (lower === 'true' || lower === '1') return { value: true };
    if (lower === 'false' || lower === '0') return { value: false };
    return { problem: `must be true, false, 1 or 0 (got ${quoteRaw(raw)})` };
  },
};

/**
 * A duration: a number of seconds (`90`) or a number with one unit, `ms`, `s`, `m`, `h` or `d`
 * (`500ms`, `30s`, `5m`, `1h`, `7d`), converted to the option's unit.
 */
function duration(unit: 's' | 'ms'): EnvValueType {
  return {
    label: 'duration',
    unit: unit === 'ms' ? 'milliseconds' : 'seconds',
    parse(raw) {
      const match = DURATION.exec(raw);
      if (!match)
        return { problem: `must be a duration such as 30s, 5m, 1h or a number of seconds (got ${quoteRaw(raw)})` };
      const milliseconds = Number(match[1]) * DURATION_MS[match[2] ?? 's'];
      if (!Number.isSafeInteger(milliseconds)) return { problem: `is too long (got ${quoteRaw(raw)})` };
      if (unit === 'ms') return { value: milliseconds };
      return milliseconds % 1000 === 0
        ? { value: milliseconds / 1000 }
        : { problem: `must be a whole number of seconds (got ${quoteRaw(raw)})` };
    },
  };
}

const seconds = duration('s');

const json: EnvValueType = {
  label: 'JSON',
  parse(raw) {
    try {
      return { value: JSON.parse(raw) as unknown };
    } catch {
      // JSON.parse's message quotes the input, which may hold secrets (static tokens).
      return { problem: 'must be valid JSON' };
    }
  },
};

/**
 * Verification keys: a PEM (`\n` escapes allowed, as `.env` files need), a JWK, an array of
 * JWKs, or a JWK Set `{"keys": […]}`; always converted to an array.
 */
const keys: EnvValueType = {
  label: 'PEM or JWK / JWK Set JSON',
  parse(raw) {
    const text = raw.trim();
    if (text.startsWith('-----BEGIN')) return { value: [text.replace(/\\n/g, '\n')] };
    const parsed = json.parse(text);
    if ('problem' in parsed) return { problem: 'must be a PEM, a JWK, an array of JWKs or a JWK Set' };
    const value = parsed.value as { keys?: unknown; kty?: unknown } | unknown[] | null;
    if (Array.isArray(value)) return { value };
    if (value !== null && typeof value === 'object' && Array.isArray(value.keys)) return { value: value.keys };
    if (value !== null && typeof value === 'object' && typeof value.kty === 'string') return { value: [value] };
    return { problem: 'must be a PEM, a JWK, an array of JWKs or a JWK Set' };
  },
};

const SIGNING_KEYS_PROBLEM =
  'must be a PKCS#8 PEM, a private JWK, a JWK Set or a JSON array of JWKs or {"privateKey": …} objects';
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * Private signing keys, always converted to an array of `{ privateKey, … }` signing-key options:
 * one or more PEM blocks (`\n` escapes allowed), a private JWK, a JWK Set, or a JSON array whose
 * entries are JWKs, PEM strings or signing-key options (`{"privateKey": …, "activateAt": …}`,
 * for rotation). Whether each key is usable is checked by the option validation.
 */
const signingKeys: EnvValueType = {
  label: 'PEM, JWK, JWK Set or JSON list',
  parse(raw) {
    const text = raw.trim();
    if (text.startsWith('-----BEGIN')) {
      const pem = text.replace(/\\n/g, '\n');
      const blocks = pem.match(PEM_BLOCK) ?? [];
      if (blocks.length === 0 || pem.replace(PEM_BLOCK, '').trim() !== '') return { problem: SIGNING_KEYS_PROBLEM };
      return { value: blocks.map((privateKey) => ({ privateKey })) };
    }
    const parsed = json.parse(text);
    if ('problem' in parsed) return { problem: SIGNING_KEYS_PROBLEM };
    const value = parsed.value;
    let entries: unknown[];
    if (Array.isArray(value)) entries = value;
    else if (isObject(value)) entries = Array.isArray(value.keys) ? (value.keys as unknown[]) : [value];
    else return { problem: SIGNING_KEYS_PROBLEM };
    return {
      value: entries.map((entry) => {
        if (isObject(entry) && 'privateKey' in entry) return entry;
        return { privateKey: typeof entry === 'string' ? entry.replace(/\\n/g, '\n') : entry };
      }),
    };
  },
};

/** A registration rate limit: `max/window` (`30/1m`: 30 per minute), or `false` for none. */
const rateLimit: EnvValueType = {
  label: '`max/window` or `false`',
  parse(raw) {
    if (/^(false|0)$/i.test(raw)) return { value: false };
    const match = /^(\d+)\s*\/\s*(\S+)$/.exec(raw);
    const window = match ? seconds.parse(match[2]) : undefined;
    if (match && window && 'value' in window) return { value: { max: Number(match[1]), windowSeconds: window.value } };
    return { problem: `must be a number per window such as 30/1m or 100/1h, or false (got ${quoteRaw(raw)})` };
  },
};

/** Record-encryption keys: `id:key` pairs separated by commas, the sealing key first. */
const encryptionKeys: EnvValueType = {
  label: '`id:key` list',
  parse: (raw) => ({ value: parseEncryptionKeyList(raw) }),
};

function url(options: { allowQuery?: boolean } = {}): EnvValueType {
  return { label: 'URL', parse: string.parse, decorators: [IsHttpUrl(options)] };
}

const urls: EnvValueType = {
  label: 'URL list',
  parse: list.parse,
  decorators: [IsHttpUrl({}, { each: true, message: 'must list absolute http(s) URLs without query or fragment' })],
};

function oneOf(values: readonly string[]): EnvValueType {
  return {
    label: values.map((value) => `\`${value}\``).join(' / '),
    parse: string.parse,
    decorators: [IsIn([...values], { message: `must be one of ${values.join(', ')}` })],
  };
}

/**
 * The value types environment variables can have.
 * @publicApi
 */
export const EnvTypes = {
  string,
  list,
  stringOrList,
  integer,
  boolean,
  seconds,
  milliseconds: duration('ms'),
  json,
  keys,
  signingKeys,
  rateLimit,
  encryptionKeys,
  url,
  urls,
  oneOf,
} as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Raw values are echoed in messages, shortened so a pasted secret never shows in full. */
function quoteRaw(raw: string): string {
  return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 12)}…` : raw);
}
