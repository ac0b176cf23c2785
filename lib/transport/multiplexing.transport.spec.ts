import { jest } from '@jest/globals';
import type { JSONRPCMessage, JSONRPCRequest, JSONRPCResponse } from '@modelcontextprotocol/server';
import { MultiplexingTransport } from './multiplexing.transport.js';

type Received = [message: JSONRPCMessage, extra: unknown];

function request(id: JSONRPCRequest['id'], method = 'tools/call'): JSONRPCRequest {
  return { jsonrpc: '2.0', id, method, params: { name: 'echo' } };
}

function result(id: number, value: unknown = 'ok'): JSONRPCResponse {
  return { jsonrpc: '2.0', id, result: { value } } as JSONRPCResponse;
}

/** Settles to 'pending' when the promise has not settled after pending microtasks ran. */
async function state(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  const pending = Symbol('pending');
  const outcome = await Promise.race([
    promise.then(
      () => 'resolved' as const,
      () => 'rejected' as const,
    ),
    new Promise<typeof pending>((resolve) => setImmediate(() => resolve(pending))),
  ]);
  return outcome === pending ? 'pending' : outcome;
}

describe('MultiplexingTransport', () => {
  let transport: MultiplexingTransport;
  let received: Received[];

  beforeEach(() => {
    transport = new MultiplexingTransport();
    received = [];
    transport.onmessage = (message, extra) => void received.push([message, extra]);
  });

  it('is a stateless transport that starts without doing anything', async () => {
    await expect(transport.start()).resolves.toBeUndefined();
    expect(transport.sessionId).toBeUndefined();
  });

  describe('dispatch', () => {
    it('hands the request to the server under a process-unique id, with the auth info', () => {
      const authInfo = { token: 't', clientId: 'c', scopes: ['a'] };
      const first = transport.dispatch(request('client-1'), authInfo, () => undefined);
      const second = transport.dispatch(request('client-1'), undefined, () => undefined);
      expect(first.internalId).not.toBe(second.internalId);
      expect(received).toEqual([
        [{ ...request('client-1'), id: first.internalId }, { authInfo }],
        [{ ...request('client-1'), id: second.internalId }, undefined],
      ]);
    });

    it("does not modify the client's request", () => {
      const original = request(7);
      transport.dispatch(original, undefined, () => undefined);
      expect(original.id).toBe(7);
    });
  });

  describe('responses', () => {
    it.each([
      ['a string id', 'abc'],
      ['a numeric id', 42],
      ['zero', 0],
    ])("restore the client's id (%s)", async (_name, clientId) => {
      const { internalId, response } = transport.dispatch(request(clientId), undefined, () => undefined);
      await transport.send(result(internalId, 'v'));
      await expect(response).resolves.toEqual({ jsonrpc: '2.0', id: clientId, result: { value: 'v' } });
    });

    it('resolve error responses the same way', async () => {
      const { internalId, response } = transport.dispatch(request('x'), undefined, () => undefined);
      await transport.send({
        jsonrpc: '2.0',
        id: internalId,
        error: { code: -32601, message: 'nope' },
      } as JSONRPCResponse);
      await expect(response).resolves.toEqual({ jsonrpc: '2.0', id: 'x', error: { code: -32601, message: 'nope' } });
    });

    it('reach only their own exchange when two clients use the same id', async () => {
      const a = transport.dispatch(request(1), undefined, () => undefined);
      const b = transport.dispatch(request(1), undefined, () => undefined);
      await transport.send(result(b.internalId, 'for b'));
      await expect(b.response).resolves.toMatchObject({ id: 1, result: { value: 'for b' } });
      expect(await state(a.response)).toBe('pending');
      await transport.send(result(a.internalId, 'for a'));
      await expect(a.response).resolves.toMatchObject({ id: 1, result: { value: 'for a' } });
    });

    it('are dropped when their id is unknown or already answered', async () => {
      const onRelated = jest.fn();
      const { internalId, response } = transport.dispatch(request('x'), undefined, onRelated);
      await transport.send(result(internalId + 100));
      expect(await state(response)).toBe('pending');
      await transport.send(result(internalId, 'first'));
      await transport.send(result(internalId, 'second'));
      await expect(response).resolves.toMatchObject({ result: { value: 'first' } });
      expect(onRelated).not.toHaveBeenCalled();
    });
  });

  describe('related messages', () => {
    it('route notifications and server requests to the exchange named by relatedRequestId', async () => {
      const relatedA: JSONRPCMessage[] = [];
      const relatedB: JSONRPCMessage[] = [];
      const a = transport.dispatch(request('a'), undefined, (m) => void relatedA.push(m));
      const b = transport.dispatch(request('b'), undefined, (m) => void relatedB.push(m));
      const progress: JSONRPCMessage = {
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: 1, progress: 0.5 },
      };
      const elicit: JSONRPCMessage = { jsonrpc: '2.0', id: 99, method: 'elicitation/create', params: {} };
      await transport.send(progress, { relatedRequestId: b.internalId });
      await transport.send(elicit, { relatedRequestId: b.internalId });
      expect(relatedB).toEqual([progress, elicit]);
      expect(relatedA).toEqual([]);
      expect(await state(b.response)).toBe('pending');
      expect(await state(a.response)).toBe('pending');
    });

    it('drop server messages that relate to no pending request', async () => {
      const onRelated = jest.fn();
      const { internalId } = transport.dispatch(request('a'), undefined, onRelated);
      const log: JSONRPCMessage = {
        jsonrpc: '2.0',
        method: 'notifications/message',
        params: { level: 'info', data: 'x' },
      };
      await expect(transport.send(log)).resolves.toBeUndefined();
      await transport.send(log, { relatedRequestId: internalId + 1 });
      await transport.send(log, { relatedRequestId: String(internalId) });
      await transport.send(log, { relatedRequestId: 'a' });
      expect(onRelated).not.toHaveBeenCalled();
    });

    it('are no longer routed once the exchange is answered', async () => {
      const onRelated = jest.fn();
      const { internalId } = transport.dispatch(request('a'), undefined, onRelated);
      await transport.send(result(internalId));
      await transport.send(
        { jsonrpc: '2.0', method: 'notifications/progress', params: {} },
        { relatedRequestId: internalId },
      );
      expect(onRelated).not.toHaveBeenCalled();
    });
  });

  describe('cancel', () => {
    it('rejects the pending exchange and sends notifications/cancelled with the internal id', async () => {
      const { internalId, response } = transport.dispatch(request('client-id'), undefined, () => undefined);
      received = [];
      transport.cancel(internalId, 'client disconnected');
      await expect(response).rejects.toThrow('client disconnected');
      expect(received).toEqual([
        [
          {
            jsonrpc: '2.0',
            method: 'notifications/cancelled',
            params: { requestId: internalId, reason: 'client disconnected' },
          },
          undefined,
        ],
      ]);
    });

    it('drops the late response of a cancelled request', async () => {
      const other = transport.dispatch(request('other'), undefined, () => undefined);
      const { internalId, response } = transport.dispatch(request('x'), undefined, () => undefined);
      transport.cancel(internalId, 'gone');
      await expect(response).rejects.toThrow('gone');
      await expect(transport.send(result(internalId))).resolves.toBeUndefined();
      expect(await state(other.response)).toBe('pending');
    });

    it('does nothing for an unknown or already answered request', async () => {
      const { internalId } = transport.dispatch(request('x'), undefined, () => undefined);
      await transport.send(result(internalId));
      received = [];
      transport.cancel(internalId, 'late');
      transport.cancel(internalId + 1, 'unknown');
      expect(received).toEqual([]);
    });
  });

  describe('close', () => {
    it('rejects every pending exchange and reports the close', async () => {
      const onclose = jest.fn();
      transport.onclose = onclose;
      const a = transport.dispatch(request('a'), undefined, () => undefined);
      const b = transport.dispatch(request('b'), undefined, () => undefined);
      await transport.close();
      await expect(a.response).rejects.toThrow('MCP server closed');
      await expect(b.response).rejects.toThrow('MCP server closed');
      expect(onclose).toHaveBeenCalledTimes(1);
    });

    it('forgets closed exchanges, so late responses are dropped', async () => {
      const onRelated = jest.fn();
      const { internalId, response } = transport.dispatch(request('a'), undefined, onRelated);
      await transport.close();
      await expect(response).rejects.toThrow('MCP server closed');
      await transport.send(result(internalId));
      await transport.send(
        { jsonrpc: '2.0', method: 'notifications/progress', params: {} },
        { relatedRequestId: internalId },
      );
      expect(onRelated).not.toHaveBeenCalled();
    });
  });
});
