import { sql } from 'kysely';
import { ATTACK_RISKS } from '../contract/insights.ts';
import { DEFAULT_SLA_MINUTES } from '../contract/review.ts';
import type { Database } from '../db/database.ts';

/**
 * The SQL behind the insights page. Every query reads one range `[from, to)` (UTC day bounds)
 * and optionally one workflow; decisions are analysts' approve/decline review events, stays In
 * Review are `review_interval` rows (docs/decisions/0015-queue-history-for-insights.md).
 */

export interface InsightsWindow {
  from: Date;
  to: Date;
  workflowId: string | null;
  /** Stays still open are counted up to now, and no hour mark lies past it. */
  now: Date;
}

export interface PercentileRow {
  day: string | null;
  workflow_id: string | null;
  all_days: number;
  all_workflows: number;
  decisions: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  breaches: number;
}

const workflowFilter = (column: string, workflowId: string | null) =>
  workflowId === null ? sql`true` : sql`${sql.ref(column)} = ${workflowId}`;

/**
 * Minutes from entering In Review to the analyst's first decision in that stay, as percentiles
 * per day and workflow, per day, per workflow and overall (one pass, grouping sets). Overrides of
 * an automatic verdict have no stay and do not count; a stay decided twice counts once.
 */
export async function timeToDecision(db: Database, w: InsightsWindow): Promise<PercentileRow[]> {
  const { rows } = await sql<PercentileRow>`
    with stays as (
      -- The stay a decision fell in carries its workflow (a hash join, not a lookup per decision);
      -- a decision without one (recorded outside the history) reads its session.
      select distinct on (e.session_id, e.in_review_since)
             e.created_at, e.in_review_since,
             coalesce(ri.workflow_id, (select vs.workflow_id from verification_session vs where vs.id = e.session_id)) as workflow_id
        from review_event e
        left join review_interval ri on ri.session_id = e.session_id and ri.entered_at = e.in_review_since
       where e.kind in ('approve', 'decline')
         and e.undone_at is null -- an undone decision never happened (ADR 0018)
         and e.created_at >= ${w.from} and e.created_at < ${w.to}
         and e.in_review_since is not null
       order by e.session_id, e.in_review_since, e.created_at, e.id
    ), decided as (
      select s.created_at, s.workflow_id,
             extract(epoch from s.created_at - s.in_review_since) / 60 as minutes,
             coalesce(wf.sla_minutes, ${DEFAULT_SLA_MINUTES}) as sla_minutes
        from stays s
        left join workflow wf on wf.id = s.workflow_id
       where ${workflowFilter('s.workflow_id', w.workflowId)}
    ), days as (
      select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day, workflow_id, minutes, sla_minutes from decided
    )
    select day, workflow_id,
           grouping(day) as all_days, grouping(workflow_id) as all_workflows,
           count(*)::int as decisions,
           percentile_cont(0.5) within group (order by minutes) as p50,
           percentile_cont(0.9) within group (order by minutes) as p90,
           percentile_cont(0.99) within group (order by minutes) as p99,
           (count(*) filter (where minutes > sla_minutes))::int as breaches
      from days
     group by grouping sets ((day, workflow_id), (day), (workflow_id), ())`.execute(db);
  return rows;
}

export interface DepthStartRow {
  workflow_id: string | null;
  depth: number;
}

export interface DepthDeltaRow {
  workflow_id: string | null;
  mark: Date;
  delta: number;
}

/**
 * Sessions In Review at each whole hour of the window, per workflow: how many were in at its
 * start, and by how much each hour mark differs from the one before (a stay counts at a mark
 * when it entered at or before it and had not left by then).
 */
export async function queueDepth(db: Database, w: InsightsWindow): Promise<{ start: DepthStartRow[]; deltas: DepthDeltaRow[] }> {
  const end = w.now < w.to ? w.now : w.to;
  const stays = sql`
    select workflow_id, entered_at, left_at
      from review_interval
     where entered_at <= ${end} and (left_at is null or left_at > ${w.from})
       and ${workflowFilter('workflow_id', w.workflowId)}`;
  const ceilHour = (column: string) =>
    sql`(date_trunc('hour', ${sql.ref(column)}) + case when date_trunc('hour', ${sql.ref(column)}) = ${sql.ref(column)} then interval '0' else interval '1 hour' end)`;
  const [start, deltas] = await Promise.all([
    sql<DepthStartRow>`
      with stays as (${stays})
      select workflow_id, count(*)::int as depth
        from stays
       where entered_at <= ${w.from}
       group by workflow_id`.execute(db),
    sql<DepthDeltaRow>`
      with stays as (${stays}), changes as (
        select workflow_id, ${ceilHour('entered_at')} as mark, 1 as delta from stays where entered_at > ${w.from}
        union all
        select workflow_id, ${ceilHour('left_at')} as mark, -1 as delta from stays where left_at is not null and left_at <= ${end}
      )
      select workflow_id, mark, sum(delta)::int as delta
        from changes
       group by workflow_id, mark`.execute(db),
  ]);
  return { start: start.rows, deltas: deltas.rows };
}

export interface FlowRow {
  day: string;
  workflow_id: string | null;
  entered: number;
  exited: number;
}

/** Per day and workflow: stays that began (inflow) and stays that ended (outflow). */
export async function reviewFlow(db: Database, w: InsightsWindow): Promise<FlowRow[]> {
  const { rows } = await sql<FlowRow>`
    with moves as (
      select to_char(entered_at at time zone 'UTC', 'YYYY-MM-DD') as day, workflow_id, 1 as entered, 0 as exited
        from review_interval
       where entered_at >= ${w.from} and entered_at < ${w.to} and ${workflowFilter('workflow_id', w.workflowId)}
      union all
      select to_char(left_at at time zone 'UTC', 'YYYY-MM-DD'), workflow_id, 0, 1
        from review_interval
       where left_at >= ${w.from} and left_at < ${w.to} and ${workflowFilter('workflow_id', w.workflowId)}
    )
    select day, workflow_id, sum(entered)::int as entered, sum(exited)::int as exited
      from moves
     group by day, workflow_id
     order by day, workflow_id`.execute(db);
  return rows;
}

export interface AnalystRow {
  actor_id: string | null;
  label: string;
  decisions: number;
  approved: number;
  declined: number;
  median_handling: number | null;
  overrides: number;
  decided_again: number;
  later_attack: number;
}

/**
 * Per analyst, over the decisions they recorded in the window: the mix, the median time from
 * taking the session to deciding it, overrides of Didit's automatic verdict, and how many were
 * contradicted since (the session decided otherwise now, or — for an approval — the same user's
 * later session declined for an attack).
 */
export async function analystFigures(db: Database, w: InsightsWindow): Promise<AnalystRow[]> {
  const attackRisks = sql`array[${sql.join(ATTACK_RISKS.map((risk) => sql`${risk}`))}]::text[]`;
  const { rows } = await sql<AnalystRow>`
    with decided as (
      select e.id, e.session_id, e.actor_id, e.actor_label, e.kind, e.created_at, e.from_status,
             vs.status as status_now, vs.vendor_data_hash
        from review_event e
        join verification_session vs on vs.id = e.session_id
       where e.kind in ('approve', 'decline')
         and e.undone_at is null -- an undone decision never happened (ADR 0018)
         and e.created_at >= ${w.from} and e.created_at < ${w.to}
         and ${workflowFilter('vs.workflow_id', w.workflowId)}
    ), attacked as (
      -- Users Didit declined for an attack, with their latest such session (few rows: a hash join).
      -- Linked by the keyed hash, which outlives vendor_data once retention removed it
      -- (verification_session_attacked_idx).
      select vendor_data_hash, max(coalesce(didit_created_at, first_seen_at)) as last_at
        from verification_session
       where status = 'Declined' and warning_codes && ${attackRisks} and vendor_data_hash is not null
       group by vendor_data_hash
    ), judged as (
      select d.*,
             (select extract(epoch from d.created_at - max(c.created_at)) / 60
                from review_event c
               where c.session_id = d.session_id and c.kind = 'claim'
                 and c.actor_id is not distinct from d.actor_id and c.created_at <= d.created_at) as handling,
             (d.status_now in ('Approved', 'Declined')
              and d.status_now <> case d.kind when 'approve' then 'Approved' else 'Declined' end) as decided_again,
             (d.kind = 'approve' and coalesce(a.last_at > d.created_at, false)) as later_attack
        from decided d
        left join attacked a on a.vendor_data_hash = d.vendor_data_hash
    )
    select actor_id, max(actor_label) as label,
           count(*)::int as decisions,
           (count(*) filter (where kind = 'approve'))::int as approved,
           (count(*) filter (where kind = 'decline'))::int as declined,
           percentile_cont(0.5) within group (order by handling) as median_handling,
           (count(*) filter (where from_status in ('Approved', 'Declined')))::int as overrides,
           (count(*) filter (where decided_again))::int as decided_again,
           (count(*) filter (where later_attack))::int as later_attack
      from judged
     group by actor_id
     order by count(*) desc, max(actor_label)`.execute(db);
  return rows;
}

export interface VersionRangeRow {
  workflow_id: string;
  version: number;
  applied_at: Date;
  sessions: number;
  reviewed: number;
  declined: number;
}

/**
 * Per threshold version in force during the window: sessions decided (or sent to review) while
 * it was in force and inside the window, how many went to review and how many ended Declined —
 * the workflow page's rates (`versionStats`), cut to the window so the cost follows the range
 * (an index-only scan of `verification_session_version_stats_idx`), not the table.
 */
export async function versionRatesInWindow(db: Database, w: InsightsWindow): Promise<VersionRangeRow[]> {
  const { rows } = await sql<VersionRangeRow>`
    with v as (
      select id, workflow_id, version, applied_at,
             coalesce(lead(applied_at) over (partition by workflow_id order by applied_at, version), 'infinity') as until
        from threshold_version
       where applied_at is not null and ${workflowFilter('workflow_id', w.workflowId)}
    )
    select v.workflow_id, v.version, v.applied_at, c.sessions, c.reviewed, c.declined
      from v
     cross join lateral (
       select count(*)::int as sessions,
              (count(*) filter (where vs.status = 'In Review' or vs.decision_source in ('console', 'outside')))::int as reviewed,
              (count(*) filter (where vs.status = 'Declined'))::int as declined
         from verification_session vs
        where vs.workflow_id = v.workflow_id
          and vs.status in ('Approved', 'Declined', 'In Review')
          and coalesce(vs.decided_at, vs.in_review_since) >= greatest(v.applied_at, ${w.from}::timestamptz)
          and coalesce(vs.decided_at, vs.in_review_since) < least(v.until, ${w.to}::timestamptz)
     ) c
     where v.applied_at < ${w.to} and v.until > ${w.from}
     order by v.workflow_id, v.version`.execute(db);
  return rows;
}

export interface AgreementPurposeRow {
  purpose: 'four_eyes' | 'quality';
  answered: number;
  agreed: number;
  open: number;
  disagreed: number;
}

export interface AgreementAnalystRow {
  actor_id: string;
  label: string;
  answered: number;
  agreed: number;
}

export interface AgreementCodeRow {
  code: string | null;
  answered: number;
  agreed: number;
}

export interface SecondReviewAgreementRows {
  purposes: AgreementPurposeRow[];
  analysts: AgreementAnalystRow[];
  codes: AgreementCodeRow[];
}

/**
 * Second reviews (issue 20): per purpose, those answered in the window (by `answered_at`) and
 * how many agreed, with the open reviews and the disagreements waiting for a lead now; and the
 * answered ones per first analyst and per warning code. Answered means agreed, disagreed or
 * resolved: a review withdrawn with its undone decision counts nowhere, even if answered before.
 * The workflow is the review's own (`second_review.workflow_id`, the session's when it was decided).
 */
export async function secondReviewAgreement(db: Database, w: InsightsWindow): Promise<SecondReviewAgreementRows> {
  const answeredInWindow = sql`sr.state in ('agreed', 'disagreed', 'resolved')
         and sr.answered_at >= ${w.from} and sr.answered_at < ${w.to}
         and ${workflowFilter('sr.workflow_id', w.workflowId)}`;
  const [purposes, analysts, codes] = await Promise.all([
    sql<AgreementPurposeRow>`
      with reviews as (
        -- Two partial indexes: answered by answered_at, and the work lists (open, disagreed).
        select sr.purpose, sr.state, sr.session_id,
               (sr.state in ('agreed', 'disagreed', 'resolved') and sr.answered_at >= ${w.from} and sr.answered_at < ${w.to}) as answered
          from second_review sr
         where ((sr.answered_at >= ${w.from} and sr.answered_at < ${w.to}) or sr.state in ('open', 'disagreed'))
           and ${workflowFilter('sr.workflow_id', w.workflowId)}
      )
      select r.purpose,
             (count(*) filter (where r.answered))::int as answered,
             (count(*) filter (where r.answered and r.state = 'agreed'))::int as agreed,
             -- As on the work list: a four-eyes review waits only while its decision is held
             -- (Didit deciding the session meanwhile overtakes it).
             (count(*) filter (where r.state = 'open' and (r.purpose = 'quality' or vs.review_push_state = 'held')))::int as open,
             (count(*) filter (where r.state = 'disagreed'))::int as disagreed
        from reviews r
        join verification_session vs on vs.id = r.session_id
       group by r.purpose`.execute(db),
    sql<AgreementAnalystRow>`
      select sr.first_actor_id as actor_id,
             coalesce(u.email, u.display_name, 'unknown person') as label,
             count(*)::int as answered,
             (count(*) filter (where sr.state = 'agreed'))::int as agreed
        from second_review sr
        join app_user u on u.id = sr.first_actor_id
       where ${answeredInWindow}
       group by sr.first_actor_id, u.email, u.display_name
       order by count(*) desc, label, actor_id`.execute(db),
    sql<AgreementCodeRow>`
      -- A review counts once under each distinct code it carried; one without any, under null.
      select c.code,
             count(distinct sr.id)::int as answered,
             (count(distinct sr.id) filter (where sr.state = 'agreed'))::int as agreed
        from second_review sr
        left join lateral unnest(sr.warning_codes) as c(code) on true
       where ${answeredInWindow}
       group by c.code
       order by count(distinct sr.id) desc, c.code nulls last`.execute(db),
  ]);
  return { purposes: purposes.rows, analysts: analysts.rows, codes: codes.rows };
}
