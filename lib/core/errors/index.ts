export * from './mcp-auth.error.js';
export * from './token.errors.js';
export * from './configuration.error.js';
