import { applyDecorators } from '@nestjs/common';
import { ValidateIf } from 'class-validator';
import type { EnvValueType } from './env-value-types.js';

/** What a variable's `map` function may consult. */
export interface EnvMapContext {
  /** Path of the module's MCP endpoint (`false` when none is mounted). */
  readonly mcpEndpoint: string | false;
}

/**
 * One environment variable of a schema.
 * @publicApi
 */
export interface EnvVariableOptions {
  /** Name after the schema's prefix, e.g. `JWKS_URI` for `MCP_AUTH_JWT_JWKS_URI`. */
  readonly name: string;
  readonly type: EnvValueType;
  /** One sentence or two for the reference; Markdown. */
  readonly description: string;
  /**
   * Option path inside the schema's section, e.g. `jwks.timeoutMs`.
   * @default the property name
   */
  readonly option?: string;
  /** The variable must be set when its schema is selected (unless the option is set in code). */
  readonly required?: boolean;
  /** The default as documented. The module applies it; the loader leaves the option unset. */
  readonly default?: string;
  /** Never echo the value in messages. */
  readonly secret?: boolean;
  /** Turns the converted value into the option value; `undefined` leaves the option unset. */
  readonly map?: (value: never, context: EnvMapContext) => unknown;
  /**
   * Property of another variable of the schema without which this one means nothing (e.g. the
   * admin scope without the admin routes). Set alone, unless code sets that option, it is
   * reported.
   */
  readonly requires?: string;
}

/** What a schema may change in the variables it inherits: whether they are required, their documented default. */
export type EnvVariableOverride = Partial<Pick<EnvVariableOptions, 'required' | 'default' | 'description'>>;

/**
 * Variables a base class declares once for several provider schemas under one prefix of its
 * own (e.g. `MCP_AUTH_SIGNING_KEYS` for every level-3 and level-4 provider), instead of the
 * prefix of the schema that inherits them. They fill the inheriting schema's section and are
 * documented once, in a table of their own.
 * @publicApi
 */
export interface EnvVariableGroupOptions {
  /** Prefix of the group's variables, e.g. `MCP_AUTH_`. */
  readonly prefix: string;
  /** Heading of the group's table in the reference. */
  readonly title: string;
  /** Paragraph under the heading; Markdown. */
  readonly description: string;
}

/**
 * A group of variables that configures one provider (selected by `MCP_AUTH_PROVIDER`) or one
 * concern shared by all of them.
 * @publicApi
 */
export interface EnvSchemaOptions {
  /** Prefix of every variable, e.g. `MCP_AUTH_JWT_`. */
  readonly prefix: string;
  /** Value of `MCP_AUTH_PROVIDER` that selects the schema; none for shared schemas. */
  readonly provider?: string;
  /** Module option the variables fill (`verifier`, `remote`, …); none for top-level options. */
  readonly section?: string;
  /**
   * Options the schema always sets in its section: its discriminator, e.g. `{ type: 'jwt' }`, or
   * a nested one such as `{ upstream: { provider: 'github' } }`. Code that sets another value
   * there chooses another kind, and the schema is ignored.
   */
  readonly fixed?: Readonly<Record<string, unknown>>;
  /** Heading of the schema's table in the reference. */
  readonly title: string;
  /** Paragraph under the heading; Markdown. */
  readonly description: string;
  /** Last adjustments of the section the variables built (e.g. inferring a type). */
  readonly complete?: (section: Record<string, unknown>) => void;
  /** Changes to inherited variables, by property (e.g. a client secret this provider requires). */
  readonly overrides?: Readonly<Record<string, EnvVariableOverride>>;
}

/** A variable as the loader and the reference generator see it. */
export interface EnvVariableDefinition extends EnvVariableOptions {
  /** The full variable name, e.g. `MCP_AUTH_JWT_JWKS_URI`. */
  readonly env: string;
  /** Property of the schema class holding the converted value. */
  readonly property: string;
  /** Full module option path, e.g. `verifier.jwks.timeoutMs`. */
  readonly optionPath: string;
  /** The group that declares the variable, when a base class shares it between schemas. */
  readonly group?: EnvVariableGroupOptions;
}

/** A schema class with its variables. */
export interface EnvSchemaDefinition extends EnvSchemaOptions {
  readonly schema: new () => object;
  readonly variables: readonly EnvVariableDefinition[];
}

type Schema = new () => object;

const schemaOptions = new WeakMap<Schema, EnvSchemaOptions>();
const groupOptions = new WeakMap<object, EnvVariableGroupOptions>();
const ownVariables = new WeakMap<object, Array<{ property: string; options: EnvVariableOptions }>>();
const definitions = new WeakMap<Schema, EnvSchemaDefinition>();

/**
 * Marks a class as an environment schema.
 * @publicApi
 */
export function EnvSchema(options: EnvSchemaOptions): ClassDecorator {
  return (target) => {
    schemaOptions.set(target as unknown as Schema, options);
  };
}

/**
 * Marks a base class whose variables several schemas share under the group's prefix (see
 * {@link EnvVariableGroupOptions}).
 * @publicApi
 */
export function EnvVariableGroup(options: EnvVariableGroupOptions): ClassDecorator {
  return (target) => {
    groupOptions.set(target.prototype as object, options);
  };
}

/**
 * Declares the environment variable behind a property: its name, type, whether it is required,
 * its documented default and description. Further class-validator decorators on the property
 * validate the converted value; they only run when the variable is set.
 * @publicApi
 */
export function EnvVariable(options: EnvVariableOptions): PropertyDecorator {
  const register: PropertyDecorator = (target, property) => {
    const list = ownVariables.get(target) ?? [];
    list.push({ property: String(property), options });
    ownVariables.set(target, list);
  };
  return applyDecorators(
    register,
    ValidateIf((object: Record<string, unknown>, value: unknown) => value !== undefined),
    ...(options.type.decorators ?? []),
  );
}

/**
 * The schema and every variable of a class decorated with `@EnvSchema`, inherited variables
 * after the class's own; variables of an `@EnvVariableGroup` base class take the group's prefix.
 * @throws TypeError when the class is not a schema.
 */
export function envSchemaDefinition(schema: Schema): EnvSchemaDefinition {
  const cached = definitions.get(schema);
  if (cached) return cached;
  const options = schemaOptions.get(schema);
  if (!options) throw new TypeError(`${schema.name} is not decorated with @EnvSchema`);
  const variables: EnvVariableDefinition[] = [];
  for (let proto = schema.prototype as object | null; proto && proto !== Object.prototype;) {
    const group = groupOptions.get(proto);
    for (const { property, options: variable } of ownVariables.get(proto) ?? []) {
      const option = variable.option ?? property;
      variables.push({
        ...variable,
        ...options.overrides?.[property],
        env: `${group?.prefix ?? options.prefix}${variable.name}`,
        property,
        optionPath: options.section ? `${options.section}.${option}` : option,
        ...(group ? { group } : {}),
      });
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  for (const property of Object.keys(options.overrides ?? {})) {
    if (!variables.some((v) => v.property === property)) {
      throw new TypeError(`${schema.name} overrides ${property}, which is not one of its variables`);
    }
  }
  const definition: EnvSchemaDefinition = { ...options, schema, variables };
  definitions.set(schema, definition);
  return definition;
}
