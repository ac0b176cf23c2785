import type { EnvSchemaDefinition } from './env-schema.decorator.js';
import { commonEnvironmentSchemas, PROVIDER_VARIABLE, providerEnvironmentSchemas } from './environment-registry.js';

/** Marker comments delimiting the generated part of `docs/configuration.md`. */
export const ENV_REFERENCE_START = '<!-- env-reference:start -->';
export const ENV_REFERENCE_END = '<!-- env-reference:end -->';

/**
 * The reference of every environment variable, rendered from the schemas as Markdown: a table of
 * `MCP_AUTH_PROVIDER` values, then one table per schema (shared ones first). Tables are aligned
 * the way Prettier aligns them, so the generated file is stable under `prettier --write`.
 */
export function renderEnvironmentReference(): string {
  const providers = [...providerEnvironmentSchemas().values()];
  const blocks = [
    `### Selecting the provider: \`${PROVIDER_VARIABLE}\``,
    table(
      ['Value', 'Configures', 'Variables'],
      providers.map((schema) => [`\`${schema.provider}\``, schema.title, `\`${schema.prefix}*\``]),
    ),
    ...[...commonEnvironmentSchemas(), ...providers].flatMap(schemaBlocks),
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
  return [
    heading,
    schema.description,
    table(
      ['Variable', 'Type', 'Required', 'Default', 'Description'],
      schema.variables.map((v) => [
        `\`${v.env}\``,
        v.type.label,
        v.required ? 'yes' : '',
        v.default ?? '',
        v.description,
      ]),
    ),
  ];
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
