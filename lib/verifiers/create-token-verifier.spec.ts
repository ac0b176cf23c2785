import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import type { McpAccessToken } from '../core/access-token.js';
import type { McpTokenVerifier } from '../core/token-verifier.js';
import { ChainTokenStrategy } from './chain-token.strategy.js';
import { createTokenVerifier } from './create-token-verifier.js';
import { IntrospectionTokenStrategy } from './introspection-token.strategy.js';
import { JwtTokenStrategy } from './jwt/jwt-token.strategy.js';
import { StaticTokenStrategy } from './static-token.strategy.js';

@Injectable()
class Greeting {
  readonly subject = 'from-di';
}

@Injectable()
class CustomVerifier implements McpTokenVerifier {
  constructor(readonly greeting: Greeting) {}
  async verify(token: string): Promise<McpAccessToken> {
    return { token, sub: this.greeting.subject, clientId: 'c', scopes: [], expiresAt: 2e9, claims: {} };
  }
}

describe('createTokenVerifier', () => {
  const context = { resourceUrl: 'https://mcp.example.com/mcp', clock: { now: () => 1_800_000_000_000 } };
  let moduleRef: ModuleRef;

  beforeAll(async () => {
    const testing = await Test.createTestingModule({ providers: [Greeting, CustomVerifier] }).compile();
    moduleRef = testing.get(ModuleRef);
  });

  it('builds each level-1 strategy from its options', async () => {
    const jwt = await createTokenVerifier(
      { type: 'jwt', issuer: 'https://as.example.com', jwksUri: 'https://as.example.com/jwks' },
      context,
      moduleRef,
    );
    const introspection = await createTokenVerifier(
      {
        type: 'introspection',
        introspectionUrl: 'https://as.example.com/introspect',
        clientId: 'a',
        clientSecret: 'b',
      },
      context,
      moduleRef,
    );
    const fixed = await createTokenVerifier(
      { type: 'static', tokens: { 'dev-token-0123456789': { sub: 'dev' } } },
      context,
      moduleRef,
    );
    expect(jwt).toBeInstanceOf(JwtTokenStrategy);
    expect(introspection).toBeInstanceOf(IntrospectionTokenStrategy);
    expect(fixed).toBeInstanceOf(StaticTokenStrategy);
    await expect(fixed.verify('dev-token-0123456789')).resolves.toMatchObject({ resource: context.resourceUrl });
  });

  it('builds a chain of its members, in order, recursively', async () => {
    const chain = await createTokenVerifier(
      {
        type: 'chain',
        verifiers: [
          { type: 'static', tokens: { 'shared-token-012345678': { sub: 'first' } } },
          {
            type: 'chain',
            verifiers: [
              {
                type: 'static',
                tokens: { 'shared-token-012345678': { sub: 'second' }, 'inner-token-0123456789': { sub: 'inner' } },
              },
            ],
          },
        ],
      },
      context,
      moduleRef,
    );
    expect(chain).toBeInstanceOf(ChainTokenStrategy);
    await expect(chain.verify('shared-token-012345678')).resolves.toMatchObject({ sub: 'first' });
    await expect(chain.verify('inner-token-0123456789')).resolves.toMatchObject({ sub: 'inner' });
  });

  it('takes a custom verifier registered as a provider from the container', async () => {
    const custom = await createTokenVerifier({ type: 'custom', useClass: CustomVerifier }, context, moduleRef);
    expect(custom).toBe(moduleRef.get(CustomVerifier));
  });

  it('instantiates an unregistered custom verifier with its dependencies injected', async () => {
    @Injectable()
    class Unregistered extends CustomVerifier {}
    const custom = await createTokenVerifier({ type: 'custom', useClass: Unregistered }, context, moduleRef);
    expect(custom).toBeInstanceOf(Unregistered);
    await expect(custom.verify('t')).resolves.toMatchObject({ sub: 'from-di' });
  });
});
