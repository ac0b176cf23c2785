import type { EnvSchemaDefinition, EnvVariableDefinition } from './env-schema.decorator.js';
import { PROVIDER_VARIABLE } from './environment-registry.js';

/**
 * Rewrites the problems option validation reports (`verifier.jwksUri: …`) in terms of the
 * environment variables that supplied the options (`MCP_AUTH_JWT_JWKS_URI: …`), so that a user
 * who configured through the environment reads the names they wrote.
 */
export class OptionProblemTranslator {
  /** Option path → variable, longest paths first. */
  private readonly byPath: Array<[string, EnvVariableDefinition]>;

  /**
   * @param schemas - the schemas that were read.
   * @param supplied - the variables that were set (or reported missing): only their options
   *   are attributed to them; other options were set in code.
   */
  constructor(
    private readonly schemas: readonly EnvSchemaDefinition[],
    supplied: ReadonlySet<string>,
  ) {
    this.byPath = schemas
      .flatMap((schema) => schema.variables.filter((v) => supplied.has(v.env)))
      .map((v): [string, EnvVariableDefinition] => [v.optionPath, v])
      .sort(([a], [b]) => b.length - a.length);
  }

  /**
   * @param problem - `<option path>: <message>` as `McpAuthConfigurationError` lists them.
   * @returns the problem with a variable name (and the variable, for de-duplication), or the
   *   problem unchanged when no variable supplied that option (it was set in code).
   */
  translate(problem: string): { text: string; variable?: string } {
    const separator = problem.indexOf(': ');
    if (separator < 0) return { text: problem };
    const path = problem.slice(0, separator);
    const message = problem.slice(separator + 2);
    for (const [optionPath, variable] of this.byPath) {
      if (path === optionPath || path.startsWith(`${optionPath}.`) || path.startsWith(`${optionPath}[`)) {
        // "client_secret_post needs a clientSecret": options beside this one, by their variables.
        const text = renameOptions(this.siblingsOf(optionPath), withUnit(message, variable)).replace(
          // "is the same key as proxy.signingKeys[0]": other entries of the same variable.
          new RegExp(`\\b${escapeRegExp(optionPath)}(?=[.[]|\\b)`, 'g'),
          variable.env,
        );
        return { text: `${variable.env}${path.slice(optionPath.length)}: ${text}`, variable: variable.env };
      }
    }
    const under = this.variablesUnder(path);
    if (under.length === 0) return { text: `${path} (set in code): ${message}` };
    const provider = this.schemas.find((schema) => schema.variables.includes(under[0]))?.provider;
    const label = provider ? `${PROVIDER_VARIABLE}=${provider}` : under[0].env;
    return { text: `${label}: ${renameOptions(under, message)}` };
  }

  /** The other variables of the schemas that fill options in the same object as `optionPath`. */
  private siblingsOf(optionPath: string): EnvVariableDefinition[] {
    const parent = optionPath.slice(0, optionPath.lastIndexOf('.') + 1);
    return this.schemas.flatMap((schema) =>
      schema.variables.filter(
        (v) =>
          v.optionPath !== optionPath &&
          v.optionPath.startsWith(parent) &&
          !v.optionPath.slice(parent.length).includes('.'),
      ),
    );
  }

  /** The variables that fill options inside `path` (a section such as `verifier`). */
  private variablesUnder(path: string): EnvVariableDefinition[] {
    return this.schemas.flatMap((schema) => schema.variables.filter((v) => v.optionPath.startsWith(`${path}.`)));
  }
}

/**
 * `set exactly one key source: jwksUri, …` → `… MCP_AUTH_JWT_JWKS_URI, …`. Option names in
 * camelCase are replaced anywhere; single-word names (`secret`, `url`) only where they stand in a
 * list or as an object (`secret or discovery`, `set url to`), so prose such as "development
 * tokens" keeps its words.
 */
function renameOptions(variables: readonly EnvVariableDefinition[], message: string): string {
  return variables.reduce((text, variable) => {
    const name = variable.optionPath.split('.').pop() as string;
    const pattern = /[A-Z]/.test(name)
      ? new RegExp(`\\b${name}\\b`, 'g')
      : new RegExp(`(?<=^|[\\s,(:])${name}(?=$|[,)]| or | to )`, 'g');
    return text.replace(pattern, variable.env);
  }, message);
}

/** Range messages about converted durations name the unit the limit is in. */
function withUnit(message: string, variable: EnvVariableDefinition): string {
  return variable.type.unit !== undefined && /\d/.test(message) ? `${message} (${variable.type.unit})` : message;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
