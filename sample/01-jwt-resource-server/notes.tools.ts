import { Injectable } from '@nestjs/common';
import { CurrentToken, McpProtected, McpTool, ToolArgs } from 'nestjs-mcp-auth';

/** A tiny per-user note store exposed as MCP tools with different scopes. */
@Injectable()
export class NotesTools {
  private readonly notes = new Map<string, string[]>();

  @McpTool({ name: 'whoami', description: 'Tells who the access token belongs to (any valid token)' })
  whoami(@CurrentToken('sub') sub: string, @CurrentToken('scopes') scopes: string[]): string {
    return `You are ${sub}, with scopes: ${scopes.join(' ') || '(none)'}`;
  }

  @McpProtected({ scopes: ['notes:read'] })
  @McpTool({ name: 'list_notes', description: 'Lists your notes (needs notes:read)' })
  list(@CurrentToken('sub') sub: string): { notes: string[] } {
    return { notes: this.notes.get(sub) ?? [] };
  }

  @McpProtected({ scopes: ['notes:write'] })
  @McpTool({
    name: 'add_note',
    description: 'Adds a note (needs notes:write)',
    inputSchema: {
      type: 'object',
      properties: { text: { type: 'string', minLength: 1, maxLength: 500 } },
      required: ['text'],
    },
  })
  add(@ToolArgs('text') text: string, @CurrentToken('sub') sub: string): string {
    const notes = this.notes.get(sub) ?? [];
    notes.push(text);
    this.notes.set(sub, notes);
    return `Saved. You have ${notes.length} note(s).`;
  }
}
