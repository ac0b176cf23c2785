import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { McpAuthModuleOptions } from './core/options/module-options.js';
import { applyModuleExtras, DEFAULT_EXTRAS, type McpAuthModuleExtras } from './mcp-auth.providers.js';

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: MCP_AUTH_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<McpAuthModuleOptions>({ moduleName: 'McpAuth' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createMcpAuthOptions')
  .setExtras<McpAuthModuleExtras>(DEFAULT_EXTRAS, applyModuleExtras)
  .build();
