import { Injectable } from '@nestjs/common';
import { CurrentToken, McpTool, ToolArgs } from '../../lib/index.js';
import { ECHO_INPUT_SCHEMA } from '../bench.constants.js';

/** The benchmarked tool: `echo {text}` answers `<text>:<client_id of the caller's token>`. */
@Injectable()
export class EchoTools {
  @McpTool({
    name: 'echo',
    description: 'Echoes the text with the caller client id',
    inputSchema: { ...ECHO_INPUT_SCHEMA },
  })
  echo(@ToolArgs('text') text: string, @CurrentToken('clientId') clientId: string): string {
    return `${text}:${clientId}`;
  }
}
