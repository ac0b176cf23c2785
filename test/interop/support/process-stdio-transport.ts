import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describeExit, type ManagedProcess } from './processes.js';

/**
 * MCP over the stdio of a process the run started itself (the SDK's `StdioClientTransport`
 * spawns its own child, which the run could not put in a process group of its own): newline-
 * delimited JSON-RPC on stdin/stdout, exactly what a desktop client speaks to `mcp-remote`.
 */
export class ProcessStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private readonly buffer = new ReadBuffer();

  constructor(private readonly process: ManagedProcess) {}

  async start(): Promise<void> {
    const { stdout } = this.process.child;
    if (!stdout) throw new Error('process has no stdout pipe');
    stdout.on('data', (chunk: Buffer) => {
      this.buffer.append(chunk);
      for (;;) {
        let message: JSONRPCMessage | null;
        try {
          message = this.buffer.readMessage();
        } catch (error) {
          this.onerror?.(error as Error);
          continue;
        }
        if (message === null) break;
        this.onmessage?.(message);
      }
    });
    void this.process.exited.then((exit) => {
      this.onerror?.(new Error(`${this.process.name} exited (${describeExit(exit)})`));
      this.onclose?.();
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const { stdin } = this.process.child;
    if (!stdin || stdin.destroyed) return Promise.reject(new Error(`${this.process.name} stdin is closed`));
    return new Promise((resolve, reject) =>
      stdin.write(serializeMessage(message), (error) => (error ? reject(error) : resolve())),
    );
  }

  async close(): Promise<void> {
    this.process.child.stdin?.end();
  }
}
