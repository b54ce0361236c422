import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Database } from '../../../server/db/database.ts';
import type { DecisionAttempt, Verdict } from './analysts.ts';
import { acceptedPushTo, type DiditDecision, type DiditSandbox, type RecordedRequest } from './didit-sandbox.ts';
import type { WebhookAnswer } from './round-robin-proxy.ts';

/**
 * Didit's truth against the console's state, for the sessions of one scenario, and the figures
 * of the report:
 *
 * - lost: a session Didit has that the console lacks; a delivery the console acknowledged (2xx)
 *   with no inbox row; an inbox row never applied (unprocessed or parked); a decision the console
 *   accepted (201) that it does not hold.
 * - duplicated: an inbox row for an event already stored (same `event_id`, or same session, type,
 *   status and event time); more decisions stored for a session than analysts sent.
 * - wrong: a session whose status, feature statuses, scores or decision source differ from
 *   Didit's; a session whose decisions reached Didit in another order or with another verdict.
 * - pushes missing / doubled: per session, the console's decisions against what reached Didit.
 *   Missing: a decision with no review of Didit's made with our key ("API Client") for it.
 *   Doubled: more update-status calls Didit answered 2xx (a repeat of the same verdict is a
 *   no-op at Didit, but it did reach Didit twice) or more reviews than decisions.
 */

export interface Scope {
  /** The sessions Didit has for the scenario. */
  sessionIds: readonly string[];
  /** Every decision the suite's analysts sent, with the answer each got. */
  decisions: readonly DecisionAttempt[];
}

interface SessionFacts {
  status: string;
  livenessStatus: string | null;
  faceMatchStatus: string | null;
  livenessScore: number | null;
  faceMatchScore: number | null;
  decisionSource: string | null;
}

export interface Figures {
  lost: number;
  duplicated: number;
  wrong: number;
  pushesMissing: number;
  pushesDoubled: number;
  /** Decisions still on their way to Didit: the console has not converged while there are any. */
  pendingPushes: number;
  /** What is behind each figure, for the run directory's report. */
  details: {
    lostSessions: string[];
    ackedWithoutRow: string[];
    unappliedRows: Array<{ id: number; sessionId: string | null; parked: boolean }>;
    lostDecisions: string[];
    duplicateRows: number[];
    duplicateDecisions: string[];
    wrongSessions: Array<{ id: string; differences: Record<string, { didit: unknown; console: unknown }> }>;
    pushMismatches: Array<{ id: string; console: Verdict[]; didit: string[] }>;
    pendingPushes: string[];
  };
}

/** Didit's facts of each session, fetched again only for the sessions that have not settled. */
class TruthCache {
  private readonly facts = new Map<string, { facts: SessionFacts; pushed: string[] }>();

  constructor(private readonly didit: DiditSandbox) {}

  async refresh(ids: Iterable<string>, concurrency = 16): Promise<void> {
    const queue = [...ids];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          const decision = await this.didit.decision(id);
          this.facts.set(id, { facts: diditFacts(decision), pushed: verdictsFromUs(decision) });
        }
      }),
    );
  }

  get(id: string): SessionFacts | undefined {
    return this.facts.get(id)?.facts;
  }

  /** The verdicts Didit recorded from our API key on the session, oldest first. */
  pushed(id: string): string[] {
    return this.facts.get(id)?.pushed ?? [];
  }
}

/** Didit names whoever used an API key "API Client" in its review feed; only the console holds ours. */
const apiKeyReviewer = 'API Client';

function verdictsFromUs(decision: DiditDecision): string[] {
  return decision.reviews.filter((review) => review.user === apiKeyReviewer).map((review) => String(review.new_status));
}

/** What Didit says of a session, in the console's terms. */
function diditFacts(decision: DiditDecision): SessionFacts {
  const liveness = decision.liveness_checks?.[0] ?? null;
  const faceMatch = decision.face_matches?.[0] ?? null;
  return {
    status: decision.status,
    livenessStatus: liveness?.status ?? null,
    faceMatchStatus: faceMatch?.status ?? null,
    livenessScore: liveness?.score ?? null,
    faceMatchScore: faceMatch?.score ?? null,
    decisionSource: decisionSource(decision),
  };
}

/**
 * Who decided, from Didit's review feed alone (the suite's own reading, not the console's code):
 * the last review that set the current verdict was made with our API key, by
 * someone in Didit's console, or there is none and Didit decided automatically.
 */
function decisionSource(decision: DiditDecision): string | null {
  if (decision.status !== 'Approved' && decision.status !== 'Declined') return null;
  const last = decision.reviews.filter((review) => review.new_status === decision.status).at(-1);
  if (!last) return 'didit';
  return last.user === apiKeyReviewer ? 'console' : 'outside';
}

interface ConsoleState {
  sessions: Map<string, SessionFacts>;
  rows: Array<{
    id: number;
    dedupeKey: string;
    eventId: string | null;
    sessionId: string | null;
    identity: string;
    processed: boolean;
    parked: boolean;
  }>;
  decisions: Array<{ sessionId: string; verdict: Verdict; pending: boolean }>;
}

async function readConsole(db: Database, ids: readonly string[]): Promise<ConsoleState> {
  const inScope = sql<boolean>`session_id = any(${ids}::uuid[])`;
  const [sessions, rows, decisions] = await Promise.all([
    db
      .selectFrom('verification_session')
      .select(['id', 'status', 'liveness_status', 'face_match_status', 'liveness_score', 'face_match_score', 'decision_source'])
      .where(sql<boolean>`id = any(${ids}::uuid[])`)
      .execute(),
    db
      .selectFrom('webhook_event')
      .select([
        'id',
        'dedupe_key',
        'event_id',
        'session_id',
        'webhook_type',
        'status',
        'event_timestamp',
        'processed_at',
        'parked_at',
      ])
      .where(inScope)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('review_event')
      .select(['session_id', 'kind', 'push_state'])
      .where('kind', 'in', ['approve', 'decline'])
      .where(inScope)
      .orderBy('id')
      .execute(),
  ]);
  return {
    sessions: new Map(
      sessions.map((s) => [
        s.id,
        {
          status: s.status,
          livenessStatus: s.liveness_status,
          faceMatchStatus: s.face_match_status,
          livenessScore: s.liveness_score,
          faceMatchScore: s.face_match_score,
          decisionSource: s.decision_source,
        },
      ]),
    ),
    rows: rows.map((r) => ({
      id: r.id,
      dedupeKey: r.dedupe_key,
      eventId: r.event_id,
      sessionId: r.session_id,
      identity: [r.session_id, r.webhook_type, r.status, r.event_timestamp.toISOString()].join('|'),
      processed: r.processed_at !== null,
      parked: r.parked_at !== null,
    })),
    decisions: decisions.map((d) => ({
      sessionId: d.session_id,
      verdict: d.kind === 'approve' ? 'Approved' : 'Declined',
      pending: d.push_state === 'pending',
    })),
  };
}

/** How many update-status calls Didit answered 2xx, per session. */
function acceptedPushCounts(requests: readonly RecordedRequest[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of requests) {
    const sessionId = acceptedPushTo(request);
    if (sessionId) counts.set(sessionId, (counts.get(sessionId) ?? 0) + 1);
  }
  return counts;
}

const sameScore = (a: number | null, b: number | null) => (a === null || b === null ? a === b : Math.abs(a - b) < 1e-6);

function differences(didit: SessionFacts, ours: SessionFacts): Record<string, { didit: unknown; console: unknown }> {
  const out: Record<string, { didit: unknown; console: unknown }> = {};
  for (const key of Object.keys(didit) as Array<keyof SessionFacts>) {
    const equal =
      key === 'livenessScore' || key === 'faceMatchScore' ? sameScore(didit[key], ours[key]) : didit[key] === ours[key];
    if (!equal) out[key] = { didit: didit[key], console: ours[key] };
  }
  return out;
}

type Details = Figures['details'];

/** Counts what the figures count, from Didit's facts (cached), the console's database and the balancer's record. */
async function measure(
  scope: Scope,
  sources: { db: Database; didit: DiditSandbox; truth: TruthCache; webhookAnswers: readonly WebhookAnswer[] },
): Promise<Figures> {
  const ids = scope.sessionIds;
  const [state, requests] = await Promise.all([readConsole(sources.db, ids), sources.didit.sessionPatches()]);
  const stored = groupBy(state.decisions, (d) => d.sessionId);
  const inbox = inboxFigures(state, ids, sources.webhookAnswers);
  const decisions = decisionFigures(
    stored,
    groupBy(scope.decisions, (d) => d.sessionId),
  );
  const wrongSessions = sessionDifferences(ids, sources.truth, state);
  const pushes = pushFigures(ids, stored, sources.truth, requests);
  const lostSessions = ids.filter((id) => !state.sessions.has(id));
  const pendingPushes = state.decisions.filter((d) => d.pending).map((d) => d.sessionId);
  return {
    lost: lostSessions.length + inbox.ackedWithoutRow.length + inbox.unappliedRows.length + decisions.lostDecisions.length,
    duplicated: inbox.duplicateRows.length + decisions.duplicateDecisions.length,
    wrong: wrongSessions.length + pushes.outOfOrder,
    pushesMissing: pushes.missing,
    pushesDoubled: pushes.doubled,
    pendingPushes: pendingPushes.length,
    details: { lostSessions, ...inbox, ...decisions, wrongSessions, pushMismatches: pushes.mismatches, pendingPushes },
  };
}

/** Deliveries acknowledged without a row, rows never applied, and rows stored twice for one event. */
function inboxFigures(
  state: ConsoleState,
  ids: readonly string[],
  answers: readonly WebhookAnswer[],
): Pick<Details, 'ackedWithoutRow' | 'unappliedRows' | 'duplicateRows'> {
  const inScope = new Set(ids);
  const storedKeys = new Set(state.rows.map((row) => row.dedupeKey));
  const ackedWithoutRow = answers
    .filter((a) => a.status >= 200 && a.status < 300 && a.sessionId !== null && inScope.has(a.sessionId))
    .flatMap((a) => (a.dedupeKey !== null && !storedKeys.has(a.dedupeKey) ? [a.dedupeKey] : []));
  const unappliedRows = state.rows
    .filter((row) => !row.processed)
    .map((row) => ({ id: row.id, sessionId: row.sessionId, parked: row.parked }));
  const seenEventIds = new Set<string>();
  const seenIdentities = new Set<string>();
  const duplicateRows: number[] = [];
  for (const row of state.rows) {
    if ((row.eventId !== null && seenEventIds.has(row.eventId)) || seenIdentities.has(row.identity)) duplicateRows.push(row.id);
    if (row.eventId !== null) seenEventIds.add(row.eventId);
    seenIdentities.add(row.identity);
  }
  return { ackedWithoutRow, unappliedRows, duplicateRows };
}

/** Decisions answered 201 that the console does not hold, and sessions holding more decisions than were sent. */
function decisionFigures(
  stored: ReadonlyMap<string, ConsoleState['decisions']>,
  sent: ReadonlyMap<string, DecisionAttempt[]>,
): Pick<Details, 'lostDecisions' | 'duplicateDecisions'> {
  const lostDecisions: string[] = [];
  const duplicateDecisions: string[] = [];
  for (const sessionId of new Set([...sent.keys(), ...stored.keys()])) {
    const attempts = sent.get(sessionId) ?? [];
    const held = stored.get(sessionId) ?? [];
    for (const verdict of ['Approved', 'Declined'] as const) {
      const accepted = attempts.filter((a) => a.status === 201 && a.decision === verdict).length;
      const kept = held.filter((d) => d.verdict === verdict).length;
      for (let i = kept; i < accepted; i++) lostDecisions.push(sessionId);
    }
    // More decisions than requests: one request was recorded twice.
    if (held.length > attempts.length) duplicateDecisions.push(sessionId);
  }
  return { lostDecisions, duplicateDecisions };
}

/** Sessions the console holds with other facts than Didit's. */
function sessionDifferences(ids: readonly string[], truth: TruthCache, state: ConsoleState): Details['wrongSessions'] {
  const wrong: Details['wrongSessions'] = [];
  for (const id of ids) {
    const didit = truth.get(id);
    const ours = state.sessions.get(id);
    if (!didit || !ours) continue;
    const diff = differences(didit, ours);
    if (Object.keys(diff).length > 0) wrong.push({ id, differences: diff });
  }
  return wrong;
}

/** Per session, the console's decisions against the verdicts Didit holds from us and the calls it answered 2xx. */
function pushFigures(
  ids: readonly string[],
  stored: ReadonlyMap<string, ConsoleState['decisions']>,
  truth: TruthCache,
  requests: readonly RecordedRequest[],
): { missing: number; doubled: number; outOfOrder: number; mismatches: Details['pushMismatches'] } {
  const accepted = acceptedPushCounts(requests);
  let missing = 0;
  let doubled = 0;
  const mismatches: Details['pushMismatches'] = [];
  for (const id of ids) {
    const ours = (stored.get(id) ?? []).map((d) => d.verdict);
    const theirs = truth.pushed(id);
    missing += Math.max(0, ours.length - theirs.length);
    doubled += Math.max(0, Math.max(theirs.length, accepted.get(id) ?? 0) - ours.length);
    if (ours.length !== theirs.length || ours.some((verdict, i) => verdict !== theirs[i])) {
      mismatches.push({ id, console: ours, didit: theirs });
    }
  }
  // The same number of verdicts, but not the same ones or not in the same order.
  const outOfOrder = mismatches.filter((m) => m.console.length === m.didit.length).length;
  return { missing, doubled, outOfOrder, mismatches };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** Nothing left that waiting could fix (duplicates and doubled pushes never go away, so they do not count here). */
function converged(figures: Figures): boolean {
  return figures.lost === 0 && figures.wrong === 0 && figures.pushesMissing === 0 && figures.pendingPushes === 0;
}

/**
 * Polls until the console matches Didit for every session in scope (or `boundMs` has passed since
 * `since`, when the faults stopped), then measures once more with all of Didit's facts read
 * afresh. Returns the final figures and how long convergence took (null: not within the bound).
 */
export async function awaitConvergence(
  scope: Scope,
  sources: { db: Database; didit: DiditSandbox; webhookAnswers: readonly WebhookAnswer[] },
  options: { since: number; boundMs: number },
): Promise<{ figures: Figures; convergedAfterMs: number | null }> {
  const truth = new TruthCache(sources.didit);
  let unsettled: Iterable<string> = scope.sessionIds;
  let convergedAfterMs: number | null = null;
  while (Date.now() - options.since <= options.boundMs) {
    try {
      await truth.refresh(unsettled);
      const figures = await measure(scope, { ...sources, truth });
      if (converged(figures)) {
        convergedAfterMs = Date.now() - options.since;
        break;
      }
      unsettled = unsettledSessions(figures);
    } catch {
      // The database (or an API) is still coming back: the next poll tries again.
    }
    await sleep(1_000);
  }
  await truth.refresh(scope.sessionIds);
  return { figures: await measure(scope, { ...sources, truth }), convergedAfterMs };
}

/** Sessions whose Didit facts may still change: anything not matching yet, or with a decision on its way. */
function unsettledSessions(figures: Figures): Set<string> {
  return new Set([
    ...figures.details.pendingPushes,
    ...figures.details.wrongSessions.map((s) => s.id),
    ...figures.details.pushMismatches.map((m) => m.id),
    ...figures.details.lostSessions,
  ]);
}
