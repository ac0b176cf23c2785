import { validateSync } from 'class-validator';
import { McpAuthConfigurationError } from '../core/errors/configuration.error.js';
import type { McpAuthModuleOptions } from '../core/options/module-options.js';
import { resolveMcpAuthOptions, type LevelHooks } from '../core/options/resolve-options.js';
import { levelHooks } from '../mcp-auth.levels.js';
import { validateRecordEncryptionOptions, validateStorageOptions } from '../storage/validate-storage-options.js';
import type { EnvMapContext, EnvSchemaDefinition, EnvVariableDefinition } from './env-schema.decorator.js';
import {
  commonEnvironmentSchemas,
  environmentVariableNames,
  levelSections,
  PROVIDER_VARIABLE,
  providerEnvironmentSchemas,
  VARIABLE_PREFIX,
} from './environment-registry.js';
import { mergeMcpAuthOptions } from './merge-options.js';
import { getOptionAt, isPlainObject, leafEntries, OptionsBuilder } from './option-paths.util.js';
import { OptionProblemTranslator } from './translate-option-problems.js';
import { closestName } from './closest-name.util.js';
import { authorizationServerRequirements } from './authorization-server-requirements.js';

/**
 * Where variables are read from: `process.env`, a parsed `.env` file, or what `ConfigService`
 * returns. Values are strings; empty strings count as unset.
 * @publicApi
 */
export type McpAuthEnvironment = Readonly<Record<string, string | undefined>>;

/**
 * What {@link loadMcpAuthOptionsFromEnvironment} should know besides the variables.
 * @publicApi
 */
export interface McpAuthEnvironmentContext {
  /**
   * Options given in code. They win over the environment (see {@link mergeMcpAuthOptions}):
   * variables for options set here are not required, and when they choose the auth level, the
   * provider variables of another level are ignored. Validation sees the merged result.
   */
  readonly programmatic?: Partial<McpAuthModuleOptions>;
  /**
   * Path of the mounted MCP endpoint, appended to `MCP_AUTH_BASE_URL`.
   * @default '/mcp'
   */
  readonly mcpEndpoint?: string | false;
  /**
   * Also require what the module cannot start without (a resource URL and an auth level), as
   * when the environment is the only other source of options.
   * @default false
   */
  readonly requireComplete?: boolean;
}

/**
 * Reads the module options from environment variables: `MCP_AUTH_PROVIDER` selects the
 * provider schema, `MCP_AUTH_<PROVIDER>_<OPTION>` fill its options and the shared variables
 * (`MCP_AUTH_RESOURCE_URL`, `MCP_AUTH_SCOPES_SUPPORTED`, `MCP_AUTH_STORAGE`, …) the rest.
 *
 * @returns only the options the environment sets (nothing for variables that are unset).
 * @throws McpAuthConfigurationError naming every missing, invalid, conflicting or unknown
 *   `MCP_AUTH_*` variable at once, e.g. `MCP_AUTH_JWT_ISSUER: required`.
 * @publicApi
 */
export function loadMcpAuthOptionsFromEnvironment(
  env: McpAuthEnvironment = process.env,
  context: McpAuthEnvironmentContext = {},
): Partial<McpAuthModuleOptions> {
  const programmatic = context.programmatic ?? {};
  const reader = new EnvironmentReader(env, programmatic, { mcpEndpoint: context.mcpEndpoint ?? '/mcp' });
  const { problems, reported } = reader;
  const schemas = [...commonEnvironmentSchemas()];
  const provider = selectProvider(env, programmatic, problems);
  if (provider) schemas.push(provider);
  reportUnknownVariables(env, problems);
  for (const schema of schemas) reader.read(schema);
  const options = reader.builder.options as Partial<McpAuthModuleOptions>;

  const merged = mergeMcpAuthOptions(programmatic, options);
  const levels = [...levelSections()];
  const hasLevel = levels.some((section) => (merged as Record<string, unknown>)[section] !== undefined);
  if (context.requireComplete) {
    if (
      merged.resourceUrl === undefined &&
      !reported.has('MCP_AUTH_RESOURCE_URL') &&
      !reported.has('MCP_AUTH_BASE_URL')
    ) {
      problems.push('MCP_AUTH_RESOURCE_URL: required (or MCP_AUTH_BASE_URL), unless resourceUrl is set in code');
    }
    if (!hasLevel && !reported.has(PROVIDER_VARIABLE)) {
      problems.push(
        `${PROVIDER_VARIABLE}: required, one of ${[...providerEnvironmentSchemas().keys()].join(', ')} (unless ${levels.slice(0, -1).join(', ')} or ${levels.at(-1)} is set in code)`,
      );
    }
  }
  if (merged.resourceUrl !== undefined && hasLevel) {
    // A variable already reported as missing or malformed is not reported again in option terms.
    const translator = new OptionProblemTranslator(schemas, reader.supplied);
    for (const problem of validateOptions(merged, env)) {
      const { text, variable } = translator.translate(problem);
      if (variable === undefined || !reported.has(variable)) problems.push(text);
    }
    if (provider) {
      const input = { merged, fromEnvironment: options, provider, schemas, env, reported };
      problems.push(...authorizationServerRequirements(input));
    }
  }
  if (problems.length > 0) throw new McpAuthConfigurationError([...new Set(problems)]);
  return options;
}

function selectProvider(
  env: McpAuthEnvironment,
  programmatic: Partial<McpAuthModuleOptions>,
  problems: string[],
): EnvSchemaDefinition | undefined {
  const name = valueOf(env, PROVIDER_VARIABLE);
  if (name === undefined) return undefined;
  const providers = providerEnvironmentSchemas();
  const schema = providers.get(name);
  if (schema === undefined) {
    const hint = closestName(name, [...providers.keys()]);
    problems.push(
      `${PROVIDER_VARIABLE}: must be one of ${[...providers.keys()].join(', ')} (got ${JSON.stringify(name)}${hint ? `; did you mean ${hint}?` : ''})`,
    );
    return undefined;
  }
  return chosenInCode(schema, programmatic) ? undefined : schema;
}

/** Code chose another level, or another kind of the same section: the provider is ignored. */
function chosenInCode(schema: EnvSchemaDefinition, programmatic: Partial<McpAuthModuleOptions>): boolean {
  const code = programmatic as Record<string, unknown>;
  if (![...levelSections()].some((section) => code[section] !== undefined)) return false;
  const section = code[schema.section as string];
  if (!isPlainObject(section)) return true;
  return leafEntries(schema.fixed ?? {}).some(([path, value]) => {
    const inCode = getOptionAt(section, path);
    return inCode !== undefined && inCode !== value;
  });
}

function reportUnknownVariables(env: McpAuthEnvironment, problems: string[]): void {
  const known = environmentVariableNames();
  for (const name of Object.keys(env)) {
    if (!name.startsWith(VARIABLE_PREFIX) || known.includes(name) || valueOf(env, name) === undefined) continue;
    const hint = closestName(name, known);
    problems.push(`${name}: unknown variable${hint ? ` (did you mean ${hint}?)` : ''}`);
  }
}

/** Reads the variables of the selected schemas into options, collecting problems per variable. */
class EnvironmentReader {
  readonly builder = new OptionsBuilder();
  readonly problems: string[] = [];
  /** Variables already reported (missing, malformed or conflicting). */
  readonly reported = new Set<string>();
  /** Variables that were set, or reported missing. */
  readonly supplied = new Set<string>();

  constructor(
    private readonly env: McpAuthEnvironment,
    private readonly programmatic: Partial<McpAuthModuleOptions>,
    private readonly mapContext: EnvMapContext,
  ) {}

  /** Problems of one schema are listed in the order of its variables. */
  read(schema: EnvSchemaDefinition): void {
    const problems: Array<[number, string]> = [];
    const report = (variable: EnvVariableDefinition, message: string) => {
      problems.push([schema.variables.indexOf(variable), `${variable.env}: ${message}`]);
      this.reported.add(variable.env);
    };
    const instance = this.convert(schema, report);
    for (const error of validateSync(instance, VALIDATION)) {
      const variable = schema.variables.find((v) => v.property === error.property);
      for (const message of Object.values(error.constraints ?? {})) {
        if (variable) report(variable, stripProperty(message, error.property));
      }
    }
    const wrote = this.write(schema, instance, report);
    this.problems.push(...problems.sort(([a], [b]) => a - b).map(([, text]) => text));
    if (schema.section !== undefined) {
      this.builder.fix(schema.section, schema.fixed ?? {});
      const section = this.builder.options[schema.section] as Record<string, unknown>;
      schema.complete?.(section);
    } else if (wrote) {
      schema.complete?.(this.builder.options);
    }
  }

  /** Parses every set variable into an instance of the schema; reports missing required ones. */
  private convert(schema: EnvSchemaDefinition, report: Report): Record<string, unknown> {
    const instance = Object.create(schema.schema.prototype) as Record<string, unknown>;
    for (const variable of schema.variables) {
      const raw = valueOf(this.env, variable.env);
      if (raw === undefined) {
        if (variable.required && getOptionAt(this.programmatic, variable.optionPath) === undefined) {
          this.supplied.add(variable.env);
          report(variable, 'required');
        }
        continue;
      }
      this.supplied.add(variable.env);
      const parsed = variable.type.parse(raw);
      if ('problem' in parsed) report(variable, parsed.problem);
      else instance[variable.property] = parsed.value;
    }
    return instance;
  }

  /** Writes the valid values into the options. @returns whether anything was written. */
  private write(schema: EnvSchemaDefinition, instance: Record<string, unknown>, report: Report): boolean {
    const written = new Set<string>();
    for (const variable of schema.variables) {
      const converted = instance[variable.property];
      if (converted === undefined || this.reported.has(variable.env)) continue;
      const value = variable.map ? variable.map(converted as never, this.mapContext) : converted;
      if (value === undefined) continue;
      const conflict = this.builder.set(variable.optionPath, value, variable.env);
      if (conflict !== undefined) report(variable, `cannot be combined with ${conflict}`);
      else written.add(variable.property);
    }
    for (const variable of schema.variables) {
      const needed = schema.variables.find((v) => v.property === variable.requires);
      if (needed === undefined || !written.has(variable.property) || written.has(needed.property)) continue;
      if (getOptionAt(this.programmatic, needed.optionPath) === undefined)
        report(variable, `only used with ${needed.env}`);
    }
    return written.size > 0;
  }
}

type Report = (variable: EnvVariableDefinition, message: string) => void;

const VALIDATION = { forbidUnknownValues: false, validationError: { target: false, value: false } } as const;

/** class-validator messages start with the property name; the variable name replaces it. */
function stripProperty(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}

/**
 * The module's own validation of every level section (`proxy`, `server`, …); what a level
 * derives is left to the module, which logs its warnings once, at start-up.
 */
const VALIDATING_LEVELS: LevelHooks = { validate: levelHooks.validate, derive: () => ({}) };

/** Every problem option validation finds in the merged options, with option paths. */
function validateOptions(options: Partial<McpAuthModuleOptions>, env: McpAuthEnvironment): string[] {
  const problems: string[] = [];
  try {
    resolveMcpAuthOptions(options as McpAuthModuleOptions, { NODE_ENV: env.NODE_ENV }, VALIDATING_LEVELS);
  } catch (error) {
    if (!(error instanceof McpAuthConfigurationError)) throw error;
    problems.push(...error.problems);
  }
  validateStorageOptions('storage', options.storage, problems);
  validateRecordEncryptionOptions('storageEncryption', options.storageEncryption, problems);
  return problems;
}

/** A variable's value, trimmed; `undefined` when unset or blank. */
function valueOf(env: McpAuthEnvironment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}
