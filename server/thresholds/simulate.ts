import { sql, type RawBuilder } from 'kysely';
import type {
  Contradiction,
  FinalOutcome,
  HistogramDto,
  Outcome,
  SimulationDto,
  ThresholdSet,
  TransitionMatrix,
} from '../contract/thresholds.ts';
import { finalOutcomes, outcomes } from '../contract/thresholds.ts';
import type { Database } from '../db/database.ts';

/**
 * Replays stored scores through Didit's threshold rules (docs/didit-contract.md §8), in SQL so that a
 * window of 100,000 sessions answers well under a second:
 *   per feature: score ≤ decline → Declined; ≤ review → In Review; else Approved;
 *   session = worst of its features; an always-enforced decline stays Declined.
 * Features without a score (liveness-only sessions have no face match) do not vote.
 */

/** Auto-decline risks (docs/didit-contract.md §8): they decline whatever the thresholds are. */
export const ALWAYS_DECLINE_CODES = [
  'NO_FACE_DETECTED',
  'LIVENESS_FACE_ATTACK',
  'FACE_IN_BLOCKLIST',
  'NO_REFERENCE_IMAGE',
  'POSSIBLE_FACE_IN_BLOCKLIST',
] as const;

const RANKED: readonly Outcome[] = ['Approved', 'In Review', 'Declined'];

export interface SimWindow {
  from: Date;
  to: Date;
}

/** 0 Approved, 1 In Review, 2 Declined, for the row aliased `s` (columns l, f, hard). */
function rankSql(t: ThresholdSet): RawBuilder<number> {
  const feature = (column: 'l' | 'f', review: number | null, decline: number | null) =>
    review === null || decline === null
      ? sql`0`
      : sql`case when s.${sql.ref(column)} is null then 0 when s.${sql.ref(column)} <= ${decline}::float8 then 2 when s.${sql.ref(column)} <= ${review}::float8 then 1 else 0 end`;
  return sql<number>`case when s.hard then 2 else greatest(${feature('l', t.livenessReview, t.livenessDecline)}, ${feature('f', t.faceMatchReview, t.faceMatchDecline)}) end`;
}

/** Sessions of the workflow decided in the window, or (still undecided) sent to review in it. */
function windowSql(workflowId: string, w: SimWindow): RawBuilder<boolean> {
  return sql<boolean>`vs.workflow_id = ${workflowId}
    and vs.status in ('Approved', 'Declined', 'In Review')
    and ((vs.decided_at >= ${w.from} and vs.decided_at < ${w.to})
      or (vs.decided_at is null and vs.in_review_since >= ${w.from} and vs.in_review_since < ${w.to}))`;
}

/** Approved by an analyst: in this console (`console`) or in Didit's own console (`outside`). */
const analystApprovedSql = sql<boolean>`(vs.status = 'Approved' and vs.decision_source in ('console', 'outside'))`;

const hardSql = sql`vs.warning_codes && ${sql.raw(`array[${ALWAYS_DECLINE_CODES.map((c) => `'${c}'`).join(',')}]::text[]`)}`;

function emptyMatrix(): TransitionMatrix {
  const row = () => ({ Approved: 0, 'In Review': 0, Declined: 0 });
  return { Approved: row(), 'In Review': row(), Declined: row() };
}

export async function simulate(
  db: Database,
  input: { workflowId: string; current: ThresholdSet; proposed: ThresholdSet; window: SimWindow; contradictionLimit?: number },
): Promise<SimulationDto> {
  const started = performance.now();
  const { workflowId, current, proposed, window } = input;
  const limit = input.contradictionLimit ?? 100;

  // One pass, grouped: the 3x3 matrix (with its analyst approvals) plus the sessions without anything to replay.
  const matrixRows = await sql<{ cur: number | null; nxt: number | null; analyst: boolean; n: number }>`
    with s as (
      select vs.liveness_score as l, vs.face_match_score as f, ${hardSql} as hard, ${analystApprovedSql} as analyst
      from verification_session vs
      where ${windowSql(workflowId, window)}
    )
    select case when s.hard or s.l is not null then ${rankSql(current)} end as cur,
           case when s.hard or s.l is not null then ${rankSql(proposed)} end as nxt,
           s.analyst,
           count(*)::int as n
    from s
    group by 1, 2, 3`.execute(db);

  const matrix = emptyMatrix();
  const analystApprovals = emptyMatrix();
  let sessions = 0;
  let skipped = 0;
  for (const row of matrixRows.rows) {
    const from = row.cur === null ? undefined : RANKED[row.cur];
    const to = row.nxt === null ? undefined : RANKED[row.nxt];
    if (!from || !to) {
      skipped += row.n;
      continue;
    }
    matrix[from][to] += row.n;
    if (row.analyst) analystApprovals[from][to] += row.n;
    sessions += row.n;
  }

  // Bounded: sessions an analyst decided whose verdict the proposal would overturn automatically.
  const contradictionRows = await sql<{
    id: string;
    vendor_data: string | null;
    l: number | null;
    f: number | null;
    decided_at: Date | null;
    verdict: 'Approved' | 'Declined';
    nxt: number;
    total: number;
  }>`
    with s as (
      select vs.id, vs.vendor_data, vs.liveness_score as l, vs.face_match_score as f, vs.decided_at,
             ${hardSql} as hard,
             coalesce(
               case when vs.decision_source in ('console', 'outside') and vs.status in ('Approved', 'Declined') then vs.status end,
               (select case re.kind when 'approve' then 'Approved' else 'Declined' end
                  from review_event re
                 where re.session_id = vs.id and re.kind in ('approve', 'decline') and re.undone_at is null
                 order by re.created_at desc, re.id desc limit 1)
             ) as verdict
      from verification_session vs
      where ${windowSql(workflowId, window)}
        and (vs.decision_source in ('console', 'outside')
             -- uncorrelated IN: one hashed subplan instead of a probe per session
             or vs.id in (select re.session_id from review_event re where re.kind in ('approve', 'decline') and re.undone_at is null))
    ), p as (
      select s.*, ${rankSql(proposed)} as nxt from s where s.hard or s.l is not null
    )
    select p.id, p.vendor_data, p.l, p.f, p.decided_at, p.verdict, p.nxt, count(*) over ()::int as total
    from p
    where (p.verdict = 'Declined' and p.nxt = 0) or (p.verdict = 'Approved' and p.nxt = 2)
    order by p.decided_at desc nulls last, p.id
    limit ${limit}`.execute(db);

  const days = Math.max((window.to.getTime() - window.from.getTime()) / 86_400_000, 1 / 24);
  const column = (to: Outcome) => outcomes.reduce((sum, from) => sum + matrix[from][to], 0);
  const perDay = (to: Outcome) => {
    const cur = outcomes.reduce((sum, other) => sum + matrix[to][other], 0) / days;
    const next = column(to) / days;
    return { current: round(cur), proposed: round(next), change: round(next - cur) };
  };
  const items: Contradiction[] = contradictionRows.rows.map((row) => ({
    sessionId: row.id,
    vendorData: row.vendor_data,
    livenessScore: row.l,
    faceMatchScore: row.f,
    analystVerdict: row.verdict,
    proposedOutcome: RANKED[row.nxt] ?? 'Approved',
    decidedAt: row.decided_at?.toISOString() ?? null,
  }));
  return {
    window: { from: window.from.toISOString(), to: window.to.toISOString(), days: round(days) },
    current,
    proposed,
    sessions,
    skipped,
    matrix,
    reviewsPerDay: perDay('In Review'),
    declinesPerDay: perDay('Declined'),
    analystApprovals,
    contradictions: { total: contradictionRows.rows[0]?.total ?? 0, items },
    tookMs: Math.round(performance.now() - started),
  };
}

const round = (value: number) => Math.round(value * 100) / 100;

export const HISTOGRAM_BIN_WIDTH = 2;
const BINS = 100 / HISTOGRAM_BIN_WIDTH;

/**
 * Liveness and face-match score histograms of the window, split by final outcome. Only scores in
 * 0–100 are binned (the columns refuse others since issue 15; the bin is cast after clamping, so
 * no stored value can overflow it).
 */
export async function scoreHistogram(db: Database, workflowId: string, window: SimWindow): Promise<HistogramDto> {
  const rows = await sql<{ k: 'l' | 'f'; bin: number; o: FinalOutcome; n: number }>`
    with s as materialized (
      select vs.liveness_score as l, vs.face_match_score as f,
        case
          when ${analystApprovedSql} then 'approved_analyst'
          when vs.status = 'Approved' then 'approved'
          when vs.status = 'In Review' then 'in_review'
          when vs.decision_source in ('console', 'outside')
            or vs.id in (select re.session_id from review_event re where re.kind = 'decline' and re.undone_at is null) then 'declined_analyst'
          else 'declined_auto'
        end as o
      from verification_session vs
      where ${windowSql(workflowId, window)}
    )
    select 'l' as k, least(floor(s.l / ${HISTOGRAM_BIN_WIDTH}), ${BINS - 1})::int as bin, s.o, count(*)::int as n
      from s where s.l >= 0 and s.l <= 100 group by 1, 2, 3
    union all
    select 'f', least(floor(s.f / ${HISTOGRAM_BIN_WIDTH}), ${BINS - 1})::int, s.o, count(*)::int
      from s where s.f >= 0 and s.f <= 100 group by 1, 2, 3`.execute(db);
  const empty = () =>
    Object.fromEntries(finalOutcomes.map((o) => [o, Array.from({ length: BINS }, () => 0)])) as Record<FinalOutcome, number[]>;
  const liveness = empty();
  const faceMatch = empty();
  for (const row of rows.rows) {
    const target = row.k === 'l' ? liveness : faceMatch;
    const series = target[row.o];
    if (series && row.bin >= 0 && row.bin < BINS) series[row.bin] = (series[row.bin] ?? 0) + row.n;
  }
  return {
    window: { from: window.from.toISOString(), to: window.to.toISOString() },
    binWidth: HISTOGRAM_BIN_WIDTH,
    liveness,
    faceMatch,
  };
}
