import { Reflector } from '@nestjs/core';
import { MCP_PUBLIC_METADATA } from '../../mcp-auth.constants.js';
import { McpPublic } from './mcp-public.decorator.js';

@McpPublic()
class OpenController {
  anything() {}
}

class MixedController {
  @McpPublic()
  open() {}

  closed() {}
}

describe('@McpPublic', () => {
  const reflector = new Reflector();

  it('marks a class public under a namespaced key', () => {
    expect(MCP_PUBLIC_METADATA).toBe('MCP_AUTH:PUBLIC');
    expect(reflector.get(MCP_PUBLIC_METADATA, OpenController)).toBe(true);
  });

  it('marks only the decorated method public', () => {
    expect(reflector.get(MCP_PUBLIC_METADATA, MixedController.prototype.open)).toBe(true);
    expect(reflector.get(MCP_PUBLIC_METADATA, MixedController.prototype.closed)).toBeUndefined();
  });

  it('is found for a method of a public class, as the guard looks it up', () => {
    expect(reflector.getAllAndOverride(MCP_PUBLIC_METADATA, [OpenController.prototype.anything, OpenController])).toBe(
      true,
    );
  });
});
