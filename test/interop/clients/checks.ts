import { SAMPLE_TOOLS, type InteropLevel, type LevelTarget } from '../levels.js';

/**
 * What every client must show at every level, checked the same way whatever the client:
 * - the sign-in (or the static token) got it a token with the read scope: `tools/list` shows
 *   the identity and read tools (the list hides tools the caller may not call);
 * - `tools/call` of the identity tool runs as the expected user.
 */
export function assertListed(client: string, names: readonly string[]): void {
  const missing = [SAMPLE_TOOLS.identity, SAMPLE_TOOLS.read, 'test_simple_text'].filter((n) => !names.includes(n));
  if (missing.length > 0)
    throw new Error(`${client}: tools/list lacks ${missing.join(', ')} (listed: ${names.join(', ') || 'none'})`);
}

export function assertIdentity(client: string, target: LevelTarget, result: unknown): string {
  const text = firstText(result);
  const expected = `You are ${target.subject}, with scopes: `;
  if (!text?.startsWith(expected) || !text.includes(SAMPLE_TOOLS.readScope))
    throw new Error(
      `${client}: ${SAMPLE_TOOLS.identity} answered ${JSON.stringify(result)}, expected "${expected}… ${SAMPLE_TOOLS.readScope} …"`,
    );
  return text;
}

/** The write tool's answer after a step-up: `Saved. You have N note(s).` */
export function assertWritten(client: string, result: unknown): string {
  const text = firstText(result);
  if (!text?.startsWith('Saved.') || (result as { isError?: boolean }).isError)
    throw new Error(`${client}: ${SAMPLE_TOOLS.write} answered ${JSON.stringify(result)}`);
  return text;
}

export function firstText(result: unknown): string | undefined {
  const content = (result as { content?: Array<{ type?: string; text?: string }> } | undefined)?.content;
  return content?.find((item) => item.type === 'text')?.text;
}

export const stepUpNotApplicable = (level: InteropLevel): string | undefined =>
  level.clientAuth === 'bearer'
    ? 'static token: there is no authorization server to step up with (the 403 challenge itself is covered by the e2e suite)'
    : undefined;
