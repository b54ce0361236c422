import type { InsightsCsvSection, InsightsResponse } from '../contract/insights.ts';
import { csvLine } from '../http/csv.ts';

/** One section of the page as CSV; workflows are named by id and label. */
export function insightsCsv(body: InsightsResponse, section: InsightsCsvSection): string {
  const label = new Map(body.workflows.map((w) => [w.id, w.label ?? '']));
  const sla = new Map(body.workflows.map((w) => [w.id, w.slaMinutes]));
  const lines: string[] = [];
  const add = (values: ReadonlyArray<string | number | null>) => lines.push(csvLine(values));
  switch (section) {
    case 'time-to-decision':
      add([
        'day',
        'workflow_id',
        'workflow',
        'sla_minutes',
        'decisions',
        'p50_minutes',
        'p90_minutes',
        'p99_minutes',
        'sla_breaches',
      ]);
      for (const r of body.timeToDecision.byDayAndWorkflow) {
        add([
          r.day,
          r.workflowId,
          label.get(r.workflowId ?? '') ?? '',
          sla.get(r.workflowId ?? '') ?? null,
          r.decisions,
          r.p50Minutes,
          r.p90Minutes,
          r.p99Minutes,
          r.breaches,
        ]);
      }
      for (const r of body.timeToDecision.byDay) {
        add([r.day, 'all', 'all workflows', null, r.decisions, r.p50Minutes, r.p90Minutes, r.p99Minutes, r.breaches]);
      }
      break;
    case 'queue-depth': {
      add(['hour', 'workflow_id', 'workflow', 'in_review']);
      const start = Date.parse(body.queueDepth.start);
      for (const s of body.queueDepth.series) {
        s.values.forEach((value, i) =>
          add([new Date(start + i * 3_600_000).toISOString(), s.workflowId, label.get(s.workflowId ?? '') ?? '', value]),
        );
      }
      break;
    }
    case 'flow':
      add(['day', 'workflow_id', 'workflow', 'entered_review', 'left_review']);
      for (const r of body.flow) add([r.day, r.workflowId, label.get(r.workflowId ?? '') ?? '', r.entered, r.left]);
      break;
    case 'analysts':
      add([
        'analyst',
        'decisions',
        'approved',
        'declined',
        'per_day',
        'median_handling_minutes',
        'overrides',
        'decided_again',
        'later_attack',
      ]);
      for (const a of body.analysts) {
        add([
          a.label,
          a.decisions,
          a.approved,
          a.declined,
          a.perDay,
          a.medianHandlingMinutes,
          a.overrides,
          a.decidedAgain,
          a.laterAttack,
        ]);
      }
      break;
    case 'versions':
      add(['workflow_id', 'workflow', 'version', 'applied_at', 'sessions', 'review_rate', 'decline_rate']);
      for (const v of body.versions)
        add([v.workflowId, label.get(v.workflowId) ?? '', v.version, v.appliedAt, v.sessions, v.reviewRate, v.declineRate]);
      break;
    // Second reviews answered in the range, by the analyst whose decision was reviewed.
    case 'second-review-analysts':
      add(['analyst', 'answered', 'agreed', 'agreement_rate']);
      for (const a of body.secondReview.analysts) add([a.label, a.answered, a.agreed, a.agreementRate]);
      break;
    // A review counts under each code its session carried; `none` for sessions without any.
    case 'second-review-warning-codes':
      add(['warning_code', 'answered', 'agreed', 'agreement_rate']);
      for (const c of body.secondReview.warningCodes) add([c.code ?? 'none', c.answered, c.agreed, c.agreementRate]);
      break;
  }
  return lines.join('');
}
