import type { EnvSchemaDefinition, EnvVariableDefinition, EnvVariableGroupOptions } from './env-schema.decorator.js';
import { commonEnvironmentSchemas, PROVIDER_VARIABLE, providerEnvironmentSchemas } from './environment-registry.js';

/** Marker comments delimiting the generated part of `docs/configuration.md`. */
export const ENV_REFERENCE_START = '<!-- env-reference:start -->';
export const ENV_REFERENCE_END = '<!-- env-reference:end -->';

/**
 * The reference of every environment variable, rendered from the schemas as Markdown: a table of
 * `MCP_AUTH_PROVIDER` values, then one table per schema (shared ones first). Variables a group
 * shares between schemas get one table, before the first schema that reads them. Tables are
 * aligned the way Prettier aligns them, so the generated file is stable under `prettier --write`.
 */
export function renderEnvironmentReference(): string {
  const providers = [...providerEnvironmentSchemas().values()];
  const rendered = new Set<EnvVariableGroupOptions>();
  const blocks = [
    `### Selecting the provider: \`${PROVIDER_VARIABLE}\``,
    table(
      ['Value', 'Configures', 'Variables'],
      providers.map((schema) => [`\`${schema.provider}\``, schema.title, variablesColumn(schema)]),
    ),
    ...[...commonEnvironmentSchemas(), ...providers].flatMap((schema) => {
      const groups = groupsOf(schema).filter((group) => !rendered.has(group));
      for (const group of groups) rendered.add(group);
      return [...groups.flatMap((group) => groupBlocks(group, schema)), ...schemaBlocks(schema)];
    }),
  ];
  return `${blocks.join('\n\n')}\n`;
}

/** Replaces what lies between the markers of `document` with `reference`. */
export function replaceEnvironmentReference(document: string, reference: string): string {
  const start = document.indexOf(ENV_REFERENCE_START);
  const end = document.indexOf(ENV_REFERENCE_END);
  if (start < 0 || end < start) {
    throw new Error(`the document has no ${ENV_REFERENCE_START} … ${ENV_REFERENCE_END} section`);
  }
  return `${document.slice(0, start + ENV_REFERENCE_START.length)}\n\n${reference}\n${document.slice(end)}`;
}

function schemaBlocks(schema: EnvSchemaDefinition): string[] {
  const heading = schema.provider ? `### \`${schema.provider}\` — ${schema.title}` : `### ${schema.title}`;
  const shared = groupsOf(schema).map((group) => `[${group.title}](#${anchor(group.title)})`);
  const description = shared.length
    ? `${schema.description} Also reads the variables of ${shared.join(' and ')}.`
    : schema.description;
  return [heading, description, variableTable(schema.variables.filter((v) => v.group === undefined))];
}

function groupBlocks(group: EnvVariableGroupOptions, schema: EnvSchemaDefinition): string[] {
  return [`### ${group.title}`, group.description, variableTable(schema.variables.filter((v) => v.group === group))];
}

function variableTable(variables: readonly EnvVariableDefinition[]): string {
  return table(
    ['Variable', 'Type', 'Required', 'Default', 'Description'],
    variables.map((v) => [`\`${v.env}\``, v.type.label, v.required ? 'yes' : '', v.default ?? '', v.description]),
  );
}

/** `MCP_AUTH_GITHUB_*`, plus the prefixes of the groups the schema reads. */
function variablesColumn(schema: EnvSchemaDefinition): string {
  return [schema.prefix, ...groupsOf(schema).map((group) => group.prefix)].map((prefix) => `\`${prefix}*\``).join(', ');
}

function groupsOf(schema: EnvSchemaDefinition): EnvVariableGroupOptions[] {
  return [...new Set(schema.variables.flatMap((v) => (v.group ? [v.group] : [])))];
}

/** The anchor GitHub and most Markdown renderers give a heading. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** A Markdown table with padded columns, as Prettier prints it. */
function table(header: string[], rows: string[][]): string {
  const cells = [header, ...rows].map((row) => row.map((cell) => cell.replace(/\|/g, '\\|')));
  const widths = header.map((_, column) => Math.max(3, ...cells.map((row) => width(row[column]))));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell + ' '.repeat(widths[i] - width(cell))).join(' | ')} |`;
  const separator = `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`;
  return [line(cells[0]), separator, ...cells.slice(1).map(line)].join('\n');
}

function width(text: string): number {
  return Array.from(text).length;
}
