import { EnvSchema, EnvVariable, EnvVariableGroup, envSchemaDefinition } from './env-schema.decorator.js';
import { EnvTypes } from './env-value-types.js';

@EnvVariableGroup({ prefix: 'MCP_AUTH_', title: 'Shared', description: 'Shared by several schemas.' })
abstract class SharedBase {
  @EnvVariable({ name: 'SHARED_TTL', option: 'ttlSeconds', type: EnvTypes.seconds, description: 'Shared.' })
  ttl?: number;
}

abstract class PresetBase extends SharedBase {
  @EnvVariable({ name: 'CLIENT_SECRET', option: 'upstream.clientSecret', type: EnvTypes.string, description: 'S.' })
  clientSecret?: string;
}

@EnvSchema({
  prefix: 'MCP_AUTH_ONE_',
  provider: 'one',
  section: 'proxy',
  title: 'One',
  description: 'One.',
  overrides: { clientSecret: { required: true, default: 'none', description: 'Required here.' } },
})
class OneEnvironment extends PresetBase {
  @EnvVariable({ name: 'TENANT', option: 'upstream.tenant', type: EnvTypes.string, description: 'T.' })
  tenant?: string;
}

@EnvSchema({ prefix: 'MCP_AUTH_TWO_', provider: 'two', section: 'server', title: 'Two', description: 'Two.' })
class TwoEnvironment extends SharedBase {}

@EnvSchema({ prefix: 'MCP_AUTH_BAD_', title: 'Bad', description: 'Bad.', overrides: { nothing: { required: true } } })
class BadEnvironment extends PresetBase {}

describe('envSchemaDefinition', () => {
  it("lists the class's own variables first, then inherited ones under the schema's prefix", () => {
    expect(envSchemaDefinition(OneEnvironment).variables.map((v) => [v.env, v.optionPath])).toEqual([
      ['MCP_AUTH_ONE_TENANT', 'proxy.upstream.tenant'],
      ['MCP_AUTH_ONE_CLIENT_SECRET', 'proxy.upstream.clientSecret'],
      ['MCP_AUTH_SHARED_TTL', 'proxy.ttlSeconds'],
    ]);
  });

  it("gives a group's variables the group's prefix and the inheriting schema's section", () => {
    const [one, two] = [OneEnvironment, TwoEnvironment].map((schema) =>
      envSchemaDefinition(schema).variables.find((v) => v.property === 'ttl'),
    );
    expect(one).toMatchObject({
      env: 'MCP_AUTH_SHARED_TTL',
      optionPath: 'proxy.ttlSeconds',
      group: { title: 'Shared' },
    });
    expect(two).toMatchObject({ env: 'MCP_AUTH_SHARED_TTL', optionPath: 'server.ttlSeconds' });
    expect(one?.group).toBe(two?.group);
    expect(envSchemaDefinition(OneEnvironment).variables.find((v) => v.property === 'tenant')).not.toHaveProperty(
      'group',
    );
  });

  it('applies overrides to inherited variables of this schema only', () => {
    expect(envSchemaDefinition(OneEnvironment).variables.find((v) => v.property === 'clientSecret')).toMatchObject({
      required: true,
      default: 'none',
      description: 'Required here.',
    });
    @EnvSchema({ prefix: 'MCP_AUTH_THREE_', provider: 'three', section: 'proxy', title: 'T', description: 'T.' })
    class ThreeEnvironment extends PresetBase {}
    const secret = envSchemaDefinition(ThreeEnvironment).variables.find((v) => v.property === 'clientSecret');
    expect(secret).toMatchObject({ description: 'S.' });
    expect(secret?.required).toBeUndefined();
  });

  it('refuses an override of a variable the schema does not have, and a class that is not a schema', () => {
    expect(() => envSchemaDefinition(BadEnvironment)).toThrow(
      'BadEnvironment overrides nothing, which is not one of its variables',
    );
    expect(() => envSchemaDefinition(PresetBase as never)).toThrow('PresetBase is not decorated with @EnvSchema');
  });
});
