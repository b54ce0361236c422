import { readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMetrics } from '../metrics.ts';

/**
 * `deploy/alerts.yml` is checked here because promtool is not on these machines (checked by hand
 * with Debian's prometheus 2.42 `promtool check rules`): it parses, each rule is complete, and every
 * metric an expression reads is one `createMetrics` defines, so renaming a metric breaks this test
 * rather than silently disarming an alert.
 * js-yaml's output goes through zod.
 */

const alertsPath = path.join(import.meta.dirname, '../../deploy/alerts.yml');
const alertsText = readFileSync(alertsPath, 'utf8');

const ruleSchema = z
  .object({
    alert: z.string().regex(/^[A-Z][A-Za-z0-9]+$/),
    expr: z.string().min(1),
    for: z.string().regex(/^\d+[smh]$/),
    labels: z.object({ severity: z.enum(['page', 'warning']) }).strict(),
    annotations: z.object({ summary: z.string().min(1), description: z.string().min(1), runbook: z.string().min(1) }).strict(),
  })
  .strict();
const rulesFileSchema = z
  .object({ groups: z.array(z.object({ name: z.string(), rules: z.array(ruleSchema).min(1) }).strict()).min(1) })
  .strict();

/** PromQL words that are not metric names: operators, aggregations and the functions an alert may use. */
const promqlWords = new Set([
  ...['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset'],
  ...['sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group'],
  ...['rate', 'irate', 'increase', 'delta', 'idelta', 'absent', 'absent_over_time', 'time', 'timestamp', 'vector', 'scalar'],
  ...['histogram_quantile', 'clamp_min', 'clamp_max', 'min_over_time', 'max_over_time', 'avg_over_time', 'changes', 'resets'],
]);

/** The metric names an expression reads: identifiers left once strings, label matchers and grouping lists are gone. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '');
  const names = bare.match(/(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return [...new Set(names.filter((name) => !promqlWords.has(name)))];
}

describe('deploy/alerts.yml', () => {
  const rules = rulesFileSchema.parse(load(alertsText)).groups.flatMap((group) => group.rules);
  const defined = new Set(
    createMetrics()
      .registry.getMetricsAsArray()
      .flatMap((metric) => {
        const name = metric.name;
        // A histogram is read through its series.
        return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`];
      }),
  );

  it('has the five alerts, each with a severity, a summary, a description and a runbook', () => {
    expect(rules.map((rule) => rule.alert)).toEqual([
      'ConsoleDecisionPushesStuck',
      'ConsoleReviewSlaBreached',
      'DiditWebhookInboxStalled',
      'DiditReconciliationStalled',
      'ConsoleThresholdDrift',
    ]);
  });

  it('reads only metrics that server/metrics.ts defines', () => {
    for (const rule of rules) {
      const names = metricNames(rule.expr);
      expect(names.length, rule.alert).toBeGreaterThan(0);
      for (const name of names) expect(defined.has(name), `${rule.alert} reads ${name}`).toBe(true);
    }
  });

  it('explains each alert in a comment right above it', () => {
    const lines = alertsText.split('\n');
    for (const rule of rules) {
      const at = lines.findIndex((line) => line.trim() === `- alert: ${rule.alert}`);
      expect(at, rule.alert).toBeGreaterThan(0);
      expect(lines[at - 1]?.trim().startsWith('#'), `a comment above ${rule.alert}`).toBe(true);
    }
  });

  it('finds the metric names in an expression, and not the words or labels around them', () => {
    expect(
      metricNames('max by (workflow_id) (rate(didit_api_requests_total{outcome="rate_limited"}[5m])) > 0 or absent(up{job="x"})'),
    ).toEqual(['didit_api_requests_total', 'up']);
  });
});
