import { registerDecorator, type ValidationOptions } from 'class-validator';

/** Parses an absolute http(s) URL without userinfo or fragment; `undefined` when invalid. */
export function parseHttpUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string' || value.trim() !== value || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username || url.password || url.hash || value.includes('#')) return undefined;
  return url;
}

/** An absolute `http:`/`https:` URL with no userinfo and no fragment. */
export function IsHttpUrl(
  options: { allowQuery?: boolean } = {},
  validationOptions?: ValidationOptions,
): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isHttpUrl',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `must be an absolute http(s) URL without userinfo or fragment${options.allowQuery ? '' : ' or query'}`,
        ...validationOptions,
      },
      validator: {
        validate(value: unknown) {
          const url = parseHttpUrl(value);
          return url !== undefined && (options.allowQuery === true || url.search === '');
        },
      },
    });
}

/** A non-empty string, or a non-empty array of non-empty strings. */
export function IsStringOrStringArray(validationOptions?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isStringOrStringArray',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'must be a non-empty string or an array of non-empty strings', ...validationOptions },
      validator: {
        validate(value: unknown) {
          if (typeof value === 'string') return value.length > 0;
          return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v.length > 0);
        },
      },
    });
}

/** An array of OAuth scope tokens (RFC 6749 §3.3 `scope-token` characters only). */
export function IsScopeList(validationOptions?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isScopeList',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: 'must be an array of scope tokens (printable ASCII without space, " or \\)',
        ...validationOptions,
      },
      validator: {
        validate(value: unknown) {
          return Array.isArray(value) && value.every((v) => typeof v === 'string' && isScopeToken(v));
        },
      },
    });
}

/** RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`. */
export function isScopeToken(value: string): boolean {
  return /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(value);
}

/** A class (constructor function). */
export function IsClass(validationOptions?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isClass',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'must be a class', ...validationOptions },
      validator: {
        validate: (value: unknown) => typeof value === 'function' && value.prototype !== undefined,
      },
    });
}
