import type { InteropLevel } from '../levels.js';
import type { Authorization } from '../support/user-agent.js';

/**
 * What every client must show at every level, checked the same way whatever the client, from the
 * level's {@link InteropLevel.profile}:
 * - the sign-in (or the static token) got it a token with the read scope: `tools/list` shows
 *   the identity and read tools (the list hides tools the caller may not call);
 * - `tools/call` of the identity tool runs as the expected user.
 */
export function assertListed(client: string, level: InteropLevel, names: readonly string[]): void {
  const missing = [level.profile.identity, ...level.profile.listed, 'test_simple_text'].filter(
    (n, i, all) => !names.includes(n) && all.indexOf(n) === i,
  );
  if (missing.length > 0)
    throw new Error(`${client}: tools/list lacks ${missing.join(', ')} (listed: ${names.join(', ') || 'none'})`);
}

export function assertIdentity(client: string, level: InteropLevel, result: unknown): string {
  const text = firstText(result);
  if (!text || !level.profile.identityAnswer.test(text))
    throw new Error(
      `${client}: ${level.profile.identity} answered ${JSON.stringify(result)}, expected ${level.profile.identityAnswer}`,
    );
  return text;
}

/** The step-up tool's answer once the client holds the extra scope. */
export function assertStepUpAnswer(client: string, level: InteropLevel, result: unknown): string {
  const stepUp = stepUpOf(level);
  const text = firstText(result);
  if (!text || !stepUp.answer.test(text) || (result as { isError?: boolean }).isError)
    throw new Error(`${client}: ${stepUp.tool} answered ${JSON.stringify(result)}, expected ${stepUp.answer}`);
  return text;
}

/** Step-up needs a second authorization, the last one asking for the step-up scope. */
export function assertSteppedUp(client: string, level: InteropLevel, scopes: ReadonlyArray<string | null>): string {
  const { scope } = stepUpOf(level);
  const last = scopes.at(-1);
  if (scopes.length < 2 || !last?.split(' ').includes(scope))
    throw new Error(`${client}: expected a second sign-in with ${scope}, saw scopes ${JSON.stringify(scopes)}`);
  return last;
}

export function stepUpOf(level: InteropLevel): NonNullable<InteropLevel['profile']['stepUp']> {
  const stepUp = level.profile.stepUp;
  if (!stepUp) throw new Error(`level ${level.level} has no step-up tool`);
  return stepUp;
}

export function firstText(result: unknown): string | undefined {
  const content = (result as { content?: Array<{ type?: string; text?: string }> } | undefined)?.content;
  return content?.find((item) => item.type === 'text')?.text;
}

export const stepUpNotApplicable = (level: InteropLevel): string | undefined =>
  level.clientAuth === 'bearer'
    ? 'static token: there is no authorization server to step up with (the 403 challenge itself is covered by the e2e suite)'
    : level.profile.stepUp
      ? undefined
      : 'the sample has no tool that needs more than the first grant';

/** A sign-in in a fresh browser went through exactly the level's pages ({@link InteropLevel.signInFlow}). */
export function assertSignInFlow(client: string, level: InteropLevel, pages: readonly string[]): void {
  const flow = pages.join(' → ');
  if (level.signInFlow && flow !== level.signInFlow)
    throw new Error(`${client}: the sign-in went through "${flow}", expected "${level.signInFlow}"`);
}

/**
 * The pages the stand-in user saw during the sign-ins, by whose they are (`sign-in`, `consent`
 * at the level's own authorization server, or `upstream …` at another origin), for the evidence.
 */
export function pagesOf(authorizations: readonly Authorization[]): string {
  return authorizations.map((a) => a.pages.join(' → ')).join('; ');
}
