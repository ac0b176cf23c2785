import { Controller, Get, Injectable, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { McpAuthConfigurationError } from './core/errors/configuration.error.js';
import type { McpAuthModuleOptions } from './core/options/module-options.js';
import type { ResolvedMcpAuthOptions } from './core/options/resolved-options.js';
import { MCP_TOKEN_VERIFIER, type McpTokenVerifier } from './core/token-verifier.js';
import { CurrentToken } from './http/decorators/current-token.decorator.js';
import { McpProtected } from './http/decorators/mcp-protected.decorator.js';
import { McpPublic } from './http/decorators/mcp-public.decorator.js';
import { McpAuthGuard } from './http/guards/mcp-auth.guard.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from './mcp-auth.constants.js';
import { MCP_AUTH_MODULE_OPTIONS } from './mcp-auth.module-definition.js';
import { McpAuthModule } from './mcp-auth.module.js';
import { StaticTokenStrategy } from './verifiers/static-token.strategy.js';

const TOKEN = 'dev-token-0123456789abcdef';
const options: McpAuthModuleOptions = {
  resourceUrl: 'http://127.0.0.1:3000/mcp',
  authorizationServers: ['http://127.0.0.1:4000'],
  verifier: { type: 'static', tokens: { [TOKEN]: { sub: 'u1', scopes: ['notes:read'] } } },
};

@Injectable()
class OptionsSource {
  createMcpAuthOptions(): McpAuthModuleOptions {
    return options;
  }
}

@Module({ providers: [OptionsSource], exports: [OptionsSource] })
class OptionsModule {}

@Controller('things')
class ThingsController {
  @McpProtected({ scopes: ['notes:read'] })
  @Get('protected')
  protectedRoute(@CurrentToken('sub') sub: string) {
    return { sub };
  }

  @Get('open')
  open() {
    return { open: true };
  }

  @McpPublic()
  @Get('public')
  publicRoute() {
    return { public: true };
  }
}

/** Declared in a module that does not import McpAuthModule: the global module must serve it. */
@Module({ controllers: [ThingsController] })
class FeatureModule {}

async function compile(imports: unknown[]) {
  return Test.createTestingModule({ imports: imports as never[] }).compile();
}

describe('McpAuthModule', () => {
  describe('registration forms', () => {
    const forms: Array<[string, () => unknown]> = [
      ['forRoot', () => McpAuthModule.forRoot(options)],
      ['forRootAsync useFactory', () => McpAuthModule.forRootAsync({ useFactory: () => options })],
      [
        'forRootAsync useFactory + inject + imports',
        () =>
          McpAuthModule.forRootAsync({
            imports: [OptionsModule],
            inject: [OptionsSource],
            useFactory: (source: OptionsSource) => source.createMcpAuthOptions(),
          }),
      ],
      ['forRootAsync useClass', () => McpAuthModule.forRootAsync({ useClass: OptionsSource })],
      [
        'forRootAsync useExisting',
        () => McpAuthModule.forRootAsync({ imports: [OptionsModule], useExisting: OptionsSource }),
      ],
    ];

    it.each(forms)('%s resolves options and the verifier', async (_name, form) => {
      const ref = await compile([form()]);
      const resolved = ref.get<ResolvedMcpAuthOptions>(MCP_AUTH_RESOLVED_OPTIONS);
      expect(resolved.resourceUrl).toBe(options.resourceUrl);
      expect(resolved.resourceMetadataUrl).toBe('http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp');
      expect(ref.get<McpTokenVerifier>(MCP_TOKEN_VERIFIER)).toBeInstanceOf(StaticTokenStrategy);
      expect(ref.get(McpAuthGuard)).toBeInstanceOf(McpAuthGuard);
      await ref.close();
    });
  });

  it('strips the structural extras from the injected options', async () => {
    const ref = await compile([
      McpAuthModule.forRoot({ ...options, isGlobal: true, globalGuard: false, mcpEndpoint: false }),
    ]);
    const injected = ref.get<Record<string, unknown>>(MCP_AUTH_MODULE_OPTIONS);
    expect(injected).not.toHaveProperty('isGlobal');
    expect(injected).not.toHaveProperty('globalGuard');
    expect(injected).not.toHaveProperty('mcpEndpoint');
    await ref.close();
  });

  it('fails at bootstrap with a message naming every bad option', async () => {
    const bad = {
      resourceUrl: 'not a url',
      verifier: { type: 'jwt', issuer: '', jwksUrl: 'https://x' },
    } as unknown as McpAuthModuleOptions;
    const error = await compile([McpAuthModule.forRoot(bad)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpAuthConfigurationError);
    expect((error as McpAuthConfigurationError).problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^resourceUrl: must be an absolute http\(s\) URL/),
        expect.stringMatching(/^verifier\.issuer: /),
        'verifier.jwksUrl: unknown option',
        'verifier: set exactly one key source: jwksUri, publicKeys, secret or discovery',
      ]),
    );
  });

  it('validates asynchronous options the same way', async () => {
    const attempt = compile([
      McpAuthModule.forRootAsync({ useFactory: async () => ({ ...options, resourceUrl: 'ftp://x/mcp' }) }),
    ]);
    await expect(attempt).rejects.toThrow(/resourceUrl: must be an absolute http\(s\) URL/);
  });

  describe('over HTTP', () => {
    let app: INestApplication;
    afterEach(() => app?.close());

    async function start(imports: unknown[]) {
      const ref = await compile([...imports, FeatureModule]);
      app = ref.createNestApplication({ logger: false });
      await app.init();
      return request(app.getHttpServer());
    }

    it('is global by default: @McpProtected works in modules that do not import it', async () => {
      const http = await start([McpAuthModule.forRoot({ ...options, mcpEndpoint: false })]);
      await http.get('/things/protected').expect(401);
      await http.get('/things/protected').set('Authorization', `Bearer ${TOKEN}`).expect(200, { sub: 'u1' });
      await http.get('/things/open').expect(200);
    });

    it('globalGuard protects every route except @McpPublic ones', async () => {
      const http = await start([McpAuthModule.forRoot({ ...options, globalGuard: true, mcpEndpoint: false })]);
      await http.get('/things/open').expect(401);
      await http.get('/things/open').set('Authorization', `Bearer ${TOKEN}`).expect(200);
      await http.get('/things/public').expect(200);
      await http.get('/.well-known/oauth-protected-resource/mcp').expect(200);
    });

    it('mounts the MCP endpoint at the configured path, or not at all', async () => {
      let http = await start([McpAuthModule.forRoot({ ...options, mcpEndpoint: '/rpc' })]);
      await http.post('/rpc').send({}).expect(401);
      await http.post('/mcp').send({}).expect(404);
      await app.close();
      http = await start([McpAuthModule.forRoot({ ...options, mcpEndpoint: false })]);
      await http.post('/mcp').send({}).expect(404);
    });
  });
});
