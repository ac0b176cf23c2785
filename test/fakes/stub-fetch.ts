/** One request seen by a {@link stubFetch}. */
export interface StubCall {
  readonly url: URL;
  readonly method: string;
  readonly headers: Headers;
  readonly body: string;
  readonly init: RequestInit;
}

/** Builds a JSON response. */
export const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });

/**
 * An in-process `fetch` for unit tests of upstream code: records every request and answers with
 * `handler` (which may throw to simulate a network failure). End-to-end tests use real servers.
 */
export function stubFetch(handler: (call: StubCall) => Response | Promise<Response>): {
  fetch: (input: string | URL, init: RequestInit) => Promise<Response>;
  calls: StubCall[];
} {
  const calls: StubCall[] = [];
  return {
    calls,
    fetch: async (input, init) => {
      const call: StubCall = {
        url: new URL(String(input)),
        method: init.method ?? 'GET',
        headers: new Headers(init.headers as Record<string, string>),
        body: typeof init.body === 'string' ? init.body : '',
        init,
      };
      calls.push(call);
      return handler(call);
    },
  };
}
