/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';
import { readFileSync } from 'node:fs';

// The package is ESM ("type": "module"), as are Nest 12, jose and the MCP SDK. Jest runs in its
// native ESM mode (node --experimental-vm-modules, see the npm scripts) and swc strips the types
// while keeping the decorator metadata that Nest's dependency injection needs.
const swc = JSON.parse(readFileSync(new URL('./.swcrc', import.meta.url), 'utf8'));

const shared: Config = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }] },
  moduleNameMapper: {
    '^nestjs-mcp-auth$': '<rootDir>/lib/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  setupFiles: ['reflect-metadata'],
};

const config: Config = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/lib/**/*.spec.ts', '<rootDir>/sample/**/*.spec.ts'] },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
    { ...shared, displayName: 'interop', testMatch: ['<rootDir>/test/interop/**/*.interop-spec.ts'] },
  ],
  collectCoverageFrom: ['lib/**/*.ts', '!lib/**/*.spec.ts'],
};

export default config;
