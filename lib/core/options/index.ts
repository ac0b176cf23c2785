export * from './module-options.js';
export * from './verifier-options.js';
export * from './resolved-options.js';
export * from './resolve-options.js';
