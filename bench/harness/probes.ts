import { EXPECTED_TEXT, TOOL_CALL_BODY } from '../bench.constants.js';

/** One `tools/call` of `echo` with the bench headers; returns the status and the tool's text. */
export async function callEcho(url: string, token: string): Promise<{ status: number; text: string | undefined }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      Authorization: `Bearer ${token}`,
    },
    body: TOOL_CALL_BODY,
  });
  const raw = await response.text();
  // JSON, or (SDK default for 2025-era stateless requests) one server-sent event.
  const json = response.headers.get('content-type')?.includes('text/event-stream')
    ? raw
        .split('\n')
        .find((line) => line.startsWith('data: '))
        ?.slice('data: '.length)
    : raw;
  let text: string | undefined;
  try {
    text = (JSON.parse(json ?? '') as { result?: { content?: Array<{ text?: string }> } }).result?.content?.[0]?.text;
  } catch {
    text = undefined;
  }
  return { status: response.status, text };
}

/** Throws unless the call answers `expectStatus` (and, for 200, the expected tool text). */
export async function expectEcho(label: string, url: string, token: string, expectStatus: number): Promise<void> {
  const { status, text } = await callEcho(url, token);
  if (status !== expectStatus || (expectStatus === 200 && text !== EXPECTED_TEXT)) {
    throw new Error(
      `${label}: expected ${expectStatus}${expectStatus === 200 ? ` "${EXPECTED_TEXT}"` : ''}, got ${status} "${text}"`,
    );
  }
}

/** JWKS fetch counters per server name. */
export async function jwksHits(jwksOrigin: string): Promise<Record<string, number>> {
  const response = await fetch(`${jwksOrigin}/hits`);
  return (await response.json()) as Record<string, number>;
}

/**
 * Sends the tokens concurrently (`Promise.all` of `fetch`) and returns how many were answered
 * 401, and the statuses seen.
 */
export async function concurrentCalls(url: string, tokens: string[]): Promise<Record<string, number>> {
  const statuses = await Promise.all(tokens.map((token) => callEcho(url, token).then((r) => r.status)));
  const counts: Record<string, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
