import type { ModuleRef } from '@nestjs/core';
import type { McpVerifierOptions } from '../core/options/verifier-options.js';
import type { McpTokenVerifier } from '../core/token-verifier.js';
import { ChainTokenStrategy } from './chain-token.strategy.js';
import { IntrospectionTokenStrategy } from './introspection-token.strategy.js';
import { JwtTokenStrategy, type VerifierContext } from './jwt/jwt-token.strategy.js';
import { StaticTokenStrategy } from './static-token.strategy.js';

/**
 * Builds the verifier a (validated) configuration describes. Custom verifier classes are taken
 * from the application's providers when registered there, and otherwise instantiated with their
 * dependencies injected.
 */
export async function createTokenVerifier(
  options: McpVerifierOptions,
  context: VerifierContext,
  moduleRef: ModuleRef,
): Promise<McpTokenVerifier> {
  switch (options.type) {
    case 'jwt':
      return new JwtTokenStrategy(options, context);
    case 'introspection':
      return new IntrospectionTokenStrategy(options, context);
    case 'static':
      return new StaticTokenStrategy(options, context);
    case 'chain':
      return new ChainTokenStrategy(
        await Promise.all(options.verifiers.map((member) => createTokenVerifier(member, context, moduleRef))),
      );
    case 'custom':
      try {
        return moduleRef.get(options.useClass, { strict: false });
      } catch {
        return moduleRef.create(options.useClass);
      }
  }
}
