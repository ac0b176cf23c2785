import { readFileSync } from 'node:fs';
import {
  ENV_REFERENCE_END,
  ENV_REFERENCE_START,
  renderEnvironmentReference,
  replaceEnvironmentReference,
} from '../lib/config/environment-reference.js';
import { environmentVariableNames } from '../lib/config/environment-registry.js';

const DOC = new URL('../docs/configuration.md', import.meta.url);

describe('docs/configuration.md', () => {
  const document = readFileSync(DOC, 'utf8');

  it('holds the reference generated from the schemas (run "npm run docs:config" after changing them)', () => {
    expect(replaceEnvironmentReference(document, renderEnvironmentReference())).toBe(document);
  });

  it('documents every variable the module reads', () => {
    const generated = document.slice(document.indexOf(ENV_REFERENCE_START), document.indexOf(ENV_REFERENCE_END));
    for (const name of environmentVariableNames()) expect(generated).toContain(`\`${name}\``);
  });

  it('replaces only what lies between the markers', () => {
    const replaced = replaceEnvironmentReference(
      `intro\n${ENV_REFERENCE_START}\nold\n${ENV_REFERENCE_END}\noutro\n`,
      'new\n',
    );
    expect(replaced).toBe(`intro\n${ENV_REFERENCE_START}\n\nnew\n\n${ENV_REFERENCE_END}\noutro\n`);
    expect(() => replaceEnvironmentReference('no markers', 'x')).toThrow(/no <!-- env-reference:start -->/);
  });
});
