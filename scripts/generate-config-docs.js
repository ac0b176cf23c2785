#!/usr/bin/env node
// Regenerates the environment-variable reference of docs/configuration.md (between the
// <!-- env-reference:start --> and <!-- env-reference:end --> markers) from the schemas in
// lib/config/schemas, as compiled into dist/ by `npm run build`.
//
//   npm run docs:config                            build, then rewrite the file
//   node scripts/generate-config-docs.js --check   exit 1 when the file is out of date
//
// test/config-docs.e2e-spec.ts fails when the committed file drifts from the schemas.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const target = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
const built = new URL('../dist/lib/config/environment-reference.js', import.meta.url);

let reference;
try {
  reference = await import(built.href);
} catch (error) {
  console.error(`Cannot load ${fileURLToPath(built)}: run "npm run build" first (${error.message})`);
  process.exit(2);
}

const current = await readFile(target, 'utf8');
const next = reference.replaceEnvironmentReference(current, reference.renderEnvironmentReference());
if (process.argv.includes('--check')) {
  if (next !== current) {
    console.error('docs/configuration.md is out of date: run "npm run docs:config"');
    process.exit(1);
  }
} else if (next !== current) {
  await writeFile(target, next);
  console.warn('docs/configuration.md: environment reference regenerated');
} else {
  console.warn('docs/configuration.md: environment reference is up to date');
}
