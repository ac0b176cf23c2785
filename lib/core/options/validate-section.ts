import { validateSync, type ValidationError } from 'class-validator';

/**
 * Validates one options object against its class-validator schema and records every problem as
 * `<path>.<property>: <what is wrong>`. Unknown properties are reported too, so a typo such as
 * `jwksUrl` fails at bootstrap instead of being ignored.
 *
 * @returns whether the value is an object, i.e. whether its nested sections can be checked too.
 */
export function validateSection(path: string, schema: new () => object, value: unknown, problems: string[]): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${path}: must be an object`);
    return false;
  }
  // A shallow copy with the schema's prototype: class-validator finds the rules through the
  // constructor, and whitelisting may strip properties from the copy, never from the caller's.
  const instance = Object.assign(Object.create(schema.prototype) as object, value);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: false,
    validationError: { target: false, value: false },
  });
  for (const error of errors) collect(path, error, problems);
  return true;
}

function collect(path: string, error: ValidationError, problems: string[]): void {
  const at = path ? `${path}.${error.property}` : error.property;
  for (const [name, message] of Object.entries(error.constraints ?? {})) {
    if (name === 'whitelistValidation') {
      problems.push(`${at}: unknown option`);
    } else {
      problems.push(`${at}: ${stripPropertyName(message, error.property)}`);
    }
  }
  for (const child of error.children ?? []) collect(at, child, problems);
}

function stripPropertyName(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}

/** Formats an array index into an option path: `verifier.verifiers[2]`. */
export const indexPath = (path: string, index: number): string => `${path}[${index}]`;
