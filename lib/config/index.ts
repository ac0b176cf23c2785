export { EnvSchema, EnvVariable, envSchemaDefinition } from './env-schema.decorator.js';
export type {
  EnvMapContext,
  EnvSchemaDefinition,
  EnvSchemaOptions,
  EnvVariableDefinition,
  EnvVariableOptions,
} from './env-schema.decorator.js';
export { EnvTypes, type EnvParseResult, type EnvValueType } from './env-value-types.js';
export {
  commonEnvironmentSchemas,
  environmentVariableNames,
  providerEnvironmentSchemas,
  PROVIDER_VARIABLE,
} from './environment-registry.js';
export {
  loadMcpAuthOptionsFromEnvironment,
  type McpAuthEnvironment,
  type McpAuthEnvironmentContext,
} from './load-environment.js';
export { mergeMcpAuthOptions } from './merge-options.js';
export {
  mcpAuthOptionsFromEnvironment,
  readMcpAuthEnvironment,
  type McpAuthEnvironmentAsyncOptions,
} from './environment-async-options.js';
export {
  renderEnvironmentReference,
  replaceEnvironmentReference,
  ENV_REFERENCE_START,
  ENV_REFERENCE_END,
} from './environment-reference.js';
