import { GUARDS_METADATA } from '@nestjs/common/internal';
import { Reflector } from '@nestjs/core';
import { MCP_PROTECTED_METADATA } from '../../mcp-auth.constants.js';
import { McpAuthGuard } from '../guards/mcp-auth.guard.js';
import { McpProtected } from './mcp-protected.decorator.js';

@McpProtected({ scopes: ['notes:read'] })
class NotesController {
  @McpProtected({ scopes: ['notes:write'] })
  write() {}

  @McpProtected()
  plain() {}

  undecorated() {}
}

describe('@McpProtected', () => {
  const reflector = new Reflector();

  it('records its options on a method', () => {
    expect(reflector.get(MCP_PROTECTED_METADATA, NotesController.prototype.write)).toEqual({ scopes: ['notes:write'] });
  });

  it('records its options on a class', () => {
    expect(reflector.get(MCP_PROTECTED_METADATA, NotesController)).toEqual({ scopes: ['notes:read'] });
  });

  it('records empty options when called without any', () => {
    expect(reflector.get(MCP_PROTECTED_METADATA, NotesController.prototype.plain)).toEqual({});
  });

  it('applies McpAuthGuard on methods and classes', () => {
    expect(Reflect.getMetadata(GUARDS_METADATA, NotesController.prototype.write)).toEqual([McpAuthGuard]);
    expect(Reflect.getMetadata(GUARDS_METADATA, NotesController.prototype.plain)).toEqual([McpAuthGuard]);
    expect(Reflect.getMetadata(GUARDS_METADATA, NotesController)).toEqual([McpAuthGuard]);
  });

  it('leaves undecorated methods alone', () => {
    expect(reflector.get(MCP_PROTECTED_METADATA, NotesController.prototype.undecorated)).toBeUndefined();
    expect(Reflect.getMetadata(GUARDS_METADATA, NotesController.prototype.undecorated)).toBeUndefined();
  });

  it('keeps class and method scopes apart, so the guard can require both', () => {
    expect(reflector.getAll(MCP_PROTECTED_METADATA, [NotesController, NotesController.prototype.write])).toEqual([
      { scopes: ['notes:read'] },
      { scopes: ['notes:write'] },
    ]);
  });
});

describe('@McpProtected scope validation', () => {
  it.each([['with space'], ['quote"'], ['back\\slash'], ['€uro'], ['']])(
    'refuses the scope %j at declaration',
    (scope) => {
      expect(() => McpProtected({ scopes: [scope] })).toThrow(TypeError);
    },
  );
});
