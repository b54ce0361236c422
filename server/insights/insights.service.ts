import {
  INSIGHTS_DEFAULT_DAYS,
  INSIGHTS_MAX_DAYS,
  type InsightsQuery,
  type AgreementFigures,
  type InsightsResponse,
  type Percentiles,
  type SecondReviewInsights,
} from '../contract/insights.ts';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { DEFAULT_SLA_SETTINGS, type SlaSettings } from '../review/sla.ts';
import { slaNowByWorkflow } from './sla-now.ts';
import {
  analystFigures,
  queueDepth,
  reviewFlow,
  secondReviewAgreement,
  timeToDecision,
  versionRatesInWindow,
  type InsightsWindow,
  type PercentileRow,
  type SecondReviewAgreementRows,
} from './insights.repository.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** `YYYY-MM-DD` of a moment, in UTC (the page's days are UTC days). */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

function dayStart(day: string): Date {
  return new Date(`${day}T00:00:00.000Z`);
}

/**
 * The range a query asks for, as UTC day bounds: `to` defaults to today, `from` to 30 days
 * before it. Refused: a range backwards, longer than 92 days, or an unknown workflow.
 */
export async function insightsWindow(
  db: Kysely<DB>,
  query: InsightsQuery,
  now: Date,
): Promise<InsightsWindow & { days: number }> {
  const toDay = query.to ?? utcDay(now);
  const fromDay = query.from ?? utcDay(new Date(dayStart(toDay).getTime() - (INSIGHTS_DEFAULT_DAYS - 1) * DAY_MS));
  const from = dayStart(fromDay);
  const to = new Date(dayStart(toDay).getTime() + DAY_MS);
  const days = Math.round((to.getTime() - from.getTime()) / DAY_MS);
  if (days < 1) throw rangeError('from', 'must be on or before `to`');
  if (days > INSIGHTS_MAX_DAYS) throw rangeError('to', `the range may span at most ${INSIGHTS_MAX_DAYS} days`);
  if (query.workflow) {
    const known = await db.selectFrom('workflow').select('id').where('id', '=', query.workflow).executeTakeFirst();
    if (!known) throw new AppError(404, 'not_found', `No workflow ${query.workflow} is known to the console.`);
  }
  return { from, to, days, now, workflowId: query.workflow ?? null };
}

function rangeError(path: string, message: string): AppError {
  return new AppError(400, 'validation_failed', `Invalid date range: ${path} ${message}.`, { issues: [{ path, message }] });
}

/**
 * Everything the insights page shows for one range and (optionally) one workflow. The route runs
 * it in one bounded read-only transaction: its queries go one after another on one connection,
 * each free to use Postgres' parallel workers (measured faster on two cores than the same
 * queries side by side on several connections).
 */
export async function loadInsights(
  db: Kysely<DB>,
  query: InsightsQuery,
  now: Date,
  sla: SlaSettings = DEFAULT_SLA_SETTINGS,
): Promise<InsightsResponse> {
  const window = await insightsWindow(db, query, now);
  const slaNow = await slaNowByWorkflow(db, window.workflowId, now, sla);
  const [workflows, percentiles, depth, flow, analysts, versions, agreement] = await Promise.all([
    db
      .selectFrom('workflow')
      .select(['id', 'label', 'sla_minutes'])
      .$if(window.workflowId !== null, (qb) => qb.where('id', '=', window.workflowId!))
      .orderBy('label')
      .orderBy('id')
      .execute(),
    timeToDecision(db, window),
    queueDepth(db, window),
    reviewFlow(db, window),
    analystFigures(db, window),
    versionRatesInWindow(db, window),
    secondReviewAgreement(db, window),
  ]);
  const dayList = Array.from({ length: window.days }, (_, i) => utcDay(new Date(window.from.getTime() + i * DAY_MS)));
  const byDay = new Map(percentiles.filter((r) => r.all_workflows && !r.all_days).map((r) => [r.day, r]));
  return {
    range: { from: dayList[0]!, to: dayList[dayList.length - 1]!, days: window.days, workflowId: window.workflowId },
    generatedAt: now.toISOString(),
    workflows: workflows.map((w) => ({ id: w.id, label: w.label, slaMinutes: w.sla_minutes })),
    timeToDecision: {
      overall: toPercentiles(percentiles.find((r) => r.all_days && r.all_workflows)),
      byWorkflow: percentiles
        .filter((r) => r.all_days && !r.all_workflows)
        .map((r) => ({ workflowId: r.workflow_id, ...toPercentiles(r) })),
      byDay: dayList.map((day) => ({ day, ...toPercentiles(byDay.get(day)) })),
      byDayAndWorkflow: percentiles
        .filter((r) => !r.all_days && !r.all_workflows)
        .sort((a, b) => (a.day! < b.day! ? -1 : a.day! > b.day! ? 1 : 0))
        .map((r) => ({ day: r.day!, workflowId: r.workflow_id, ...toPercentiles(r) })),
    },
    queueDepth: hourlyDepth(window, depth),
    flow: flow.map((r) => ({ day: r.day, workflowId: r.workflow_id, entered: r.entered, left: r.exited })),
    analysts: analysts.map((a) => ({
      actorId: a.actor_id,
      label: a.label,
      decisions: a.decisions,
      approved: a.approved,
      declined: a.declined,
      perDay: round(a.decisions / window.days, 2)!,
      medianHandlingMinutes: round(a.median_handling, 1),
      overrides: a.overrides,
      decidedAgain: a.decided_again,
      laterAttack: a.later_attack,
    })),
    versions: versions.map((v) => ({
      workflowId: v.workflow_id,
      version: v.version,
      appliedAt: v.applied_at.toISOString(),
      sessions: v.sessions,
      reviewRate: v.sessions ? v.reviewed / v.sessions : null,
      declineRate: v.sessions ? v.declined / v.sessions : null,
    })),
    slaNow,
    secondReview: secondReviewInsights(agreement),
  };
}

function agreementOf(row: { answered: number; agreed: number }): AgreementFigures {
  return { answered: row.answered, agreed: row.agreed, agreementRate: row.answered ? row.agreed / row.answered : null };
}

/** The agreement figures: totals (and per purpose), per first analyst, per warning code. */
function secondReviewInsights(rows: SecondReviewAgreementRows): SecondReviewInsights {
  const purpose = (name: 'four_eyes' | 'quality') => {
    const row = rows.purposes.find((r) => r.purpose === name);
    return { ...agreementOf(row ?? { answered: 0, agreed: 0 }), open: row?.open ?? 0, disagreementsWaiting: row?.disagreed ?? 0 };
  };
  const fourEyes = purpose('four_eyes');
  const quality = purpose('quality');
  return {
    totals: {
      ...agreementOf({ answered: fourEyes.answered + quality.answered, agreed: fourEyes.agreed + quality.agreed }),
      open: fourEyes.open + quality.open,
      disagreementsWaiting: fourEyes.disagreementsWaiting + quality.disagreementsWaiting,
      byPurpose: { fourEyes, quality },
    },
    analysts: rows.analysts.map((r) => ({ actorId: r.actor_id, label: r.label, ...agreementOf(r) })),
    warningCodes: rows.codes.map((r) => ({ code: r.code, ...agreementOf(r) })),
  };
}

function toPercentiles(row: PercentileRow | undefined): Percentiles {
  return {
    decisions: row?.decisions ?? 0,
    p50Minutes: round(row?.p50 ?? null, 1),
    p90Minutes: round(row?.p90 ?? null, 1),
    p99Minutes: round(row?.p99 ?? null, 1),
    breaches: row?.breaches ?? 0,
  };
}

function round(value: number | null, digits: number): number | null {
  if (value === null) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * One value per whole hour from the first mark at or after `from` to the last at or before the
 * window's end (or now): the depth at the start plus the changes up to each mark.
 */
function hourlyDepth(window: InsightsWindow, rows: Awaited<ReturnType<typeof queueDepth>>): InsightsResponse['queueDepth'] {
  const first = Math.ceil(window.from.getTime() / HOUR_MS) * HOUR_MS;
  const end = Math.min(window.to.getTime() - 1, window.now.getTime());
  // (`end` is inclusive: the range's last millisecond, or now.)
  const hours = end < first ? 0 : Math.floor((end - first) / HOUR_MS) + 1;
  const series = new Map<string | null, { values: number[]; current: number }>();
  const seriesOf = (workflowId: string | null) => {
    let entry = series.get(workflowId);
    if (!entry) series.set(workflowId, (entry = { values: new Array<number>(hours).fill(0), current: 0 }));
    return entry;
  };
  for (const row of rows.start) {
    const entry = seriesOf(row.workflow_id);
    entry.values.fill(row.depth);
    entry.current = row.depth;
  }
  // Every change up to the end is in `deltas`; those after the last mark count only for `current`.
  for (const row of rows.deltas) {
    const index = Math.round((row.mark.getTime() - first) / HOUR_MS);
    const entry = seriesOf(row.workflow_id);
    for (let i = Math.max(index, 0); i < hours; i++) entry.values[i]! += row.delta;
    entry.current += row.delta;
  }
  return {
    start: new Date(first).toISOString(),
    hours,
    end: new Date(Math.min(window.to.getTime(), window.now.getTime())).toISOString(),
    series: [...series].map(([workflowId, entry]) => ({ workflowId, ...entry })),
  };
}
