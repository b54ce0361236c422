import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { randomInt, type Random } from '../../../server/didit-sandbox/prng.ts';
import type { Analyst } from './analysts.ts';
import type { Stack } from './stack.ts';
import { awaitConvergence, type Scope } from './truth.ts';

/**
 * What every scenario shares: a clean start (no faults, Postgres up, every process running), and
 * a common end (faults off, wait for the console to match Didit within the bound, then count).
 * A scenario module only says what happens in between and which extra checks apply.
 */

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ScenarioResult {
  scenario: string;
  /** Deliveries Didit emitted for the scenario's sessions (dropped ones included, retries not). */
  events: number | null;
  /** False when Didit's delivery log no longer reached back to the scenario's start. */
  eventsComplete: boolean;
  lost: number;
  duplicated: number;
  wrong: number;
  pushesMissing: number;
  pushesDoubled: number;
  /** From the end of the faults until the console matched Didit; null: not within `boundMs`. */
  convergedAfterMs: number | null;
  boundMs: number;
  checks: Check[];
  /** Figures a scenario counts beyond the common ones (erasure: what is left of the erased persons); each must be 0 too. */
  ownFigures?: OwnFigure[];
  details: Record<string, unknown>;
}

export interface OwnFigure {
  name: string;
  value: number;
}

export interface Scenario {
  name: string;
  summary: string;
  run(stack: Stack): Promise<ScenarioResult>;
}

export function check(name: string, ok: boolean, detail: string): Check {
  return { name, ok, detail };
}

/** Whether a result meets the issue's expectations: every figure (its own too) 0, converged in time, every check passed. */
export function passed(result: ScenarioResult): boolean {
  return (
    result.lost === 0 &&
    result.duplicated === 0 &&
    result.wrong === 0 &&
    result.pushesMissing === 0 &&
    result.pushesDoubled === 0 &&
    result.convergedAfterMs !== null &&
    result.checks.every((c) => c.ok) &&
    (result.ownFigures ?? []).every((figure) => figure.value === 0)
  );
}

/** Waits a random moment between `fromMs` and `toMs` from now. */
export function atRandomMoment(rng: Random, fromMs: number, toMs: number): Promise<void> {
  return sleep(randomInt(rng, Math.round(fromMs), Math.round(toMs)));
}

/** A scenario's sessions, and every decision the given analysts sent on them. */
export function scopeOf(sessionIds: readonly string[], analysts: readonly Analyst[]): Scope {
  const inScope = new Set(sessionIds);
  return { sessionIds, decisions: analysts.flatMap((analyst) => analyst.attempts).filter((a) => inScope.has(a.sessionId)) };
}

/**
 * Didit without faults, Postgres up, every process of the console running (one the previous
 * scenario left dead was reported there); returns when the scenario starts.
 */
export async function prepare(stack: Stack): Promise<{ startedAt: Date }> {
  const databaseUp = await sql`select 1`.execute(stack.db).then(
    () => true,
    () => false,
  );
  if (!databaseUp) await stack.cluster.start(); // a scenario that failed mid-outage
  await stack.didit.clearFaults();
  await stack.fleet.startMissing();
  return { startedAt: new Date() };
}

/**
 * The common end: faults off, then wait (bounded) until the console matches Didit; the figures,
 * Didit's event count and a check that no process died on its own are added to the scenario's
 * own checks.
 */
export async function conclude(
  stack: Stack,
  outcome: { name: string; scope: Scope; startedAt: Date; checks?: Check[]; details?: Record<string, unknown> },
): Promise<ScenarioResult> {
  await stack.didit.clearFaults();
  const since = Date.now();
  const { figures, convergedAfterMs } = await awaitConvergence(
    outcome.scope,
    { db: stack.db, didit: stack.didit, webhookAnswers: stack.proxy.webhookAnswers },
    { since, boundMs: stack.profile.convergeBoundMs },
  );
  const events = await countEvents(stack, outcome.scope.sessionIds);
  const exits = [...stack.fleet.unexpectedExitsSince(outcome.startedAt), ...stack.sandboxProcess.unexpectedExits];
  return {
    scenario: outcome.name,
    events: events.count,
    eventsComplete: events.complete,
    lost: figures.lost,
    duplicated: figures.duplicated,
    wrong: figures.wrong,
    pushesMissing: figures.pushesMissing,
    pushesDoubled: figures.pushesDoubled,
    convergedAfterMs,
    boundMs: stack.profile.convergeBoundMs,
    checks: [
      ...(outcome.checks ?? []),
      check(
        'no decision left pending',
        figures.pendingPushes === 0,
        figures.pendingPushes === 0
          ? 'every decision was confirmed or failed'
          : `${figures.pendingPushes} still pending, e.g. ${figures.details.pendingPushes.slice(0, 3).join(', ')}`,
      ),
      check(
        'no process died on its own',
        exits.length === 0,
        exits.length === 0
          ? 'every exit was one the suite caused'
          : exits.map((e) => `${e.name} exited (${e.signal ?? `code ${e.code}`}) at ${e.at.toISOString()}`).join('; '),
      ),
    ],
    details: {
      ...outcome.details,
      sessions: outcome.scope.sessionIds.length,
      figures: figures.details,
      pendingPushes: figures.pendingPushes,
    },
  };
}

/** A result for a scenario that could not run to its end (the suite's failure, or a console that never came back). */
export function abortedResult(name: string, boundMs: number, error: unknown): ScenarioResult {
  return {
    scenario: name,
    events: null,
    eventsComplete: false,
    lost: 0,
    duplicated: 0,
    wrong: 0,
    pushesMissing: 0,
    pushesDoubled: 0,
    convergedAfterMs: null,
    boundMs,
    checks: [check('ran to its end', false, error instanceof Error ? error.message : String(error))],
    details: {},
  };
}

async function countEvents(stack: Stack, sessionIds: readonly string[]): Promise<{ count: number; complete: boolean }> {
  const inScope = new Set(sessionIds);
  const deliveries = (await stack.didit.deliveries()).filter((d) => inScope.has(d.session_id) && d.resend_of === null);
  // Every session's first delivery is its creation's: all of them still logged means none was cut off.
  const created = new Set(deliveries.filter((d) => d.status === 'Not Started').map((d) => d.session_id));
  return { count: deliveries.length, complete: sessionIds.every((id) => created.has(id)) };
}
