import { useMemo } from 'react';
import { Link } from 'react-router';
import type { InsightsResponse } from '../../../../server/contract/insights.ts';
import { formatDateTime } from '../../format/date.ts';
import { AnalystTable } from './AnalystTable.tsx';
import { formatDay, formatMinutes, formatRate, formatShare, seriesColors } from './format.ts';
import { LineChart, type ChartSeries } from './LineChart.tsx';
import styles from './Insights.module.css';
import { CsvSection } from './CsvSection.tsx';
import { SecondReviewAgreement } from './SecondReviewAgreement.tsx';
import { SlaNow } from './SlaNow.tsx';

/**
 * The figures of one range: time to decision, queue depth, inflow and outflow, analysts, second
 * review agreement and threshold versions. Each section downloads the same numbers as CSV.
 */
export function InsightsView({ data, search }: { data: InsightsResponse; search: string }) {
  const names = useMemo(() => new Map(data.workflows.map((w) => [w.id, w.label ?? w.id])), [data.workflows]);
  const colorOf = useMemo(() => {
    const ids = data.workflows.map((w) => w.id);
    return (id: string | null) => (id === null ? '#6b7280' : seriesColors[ids.indexOf(id) % seriesColors.length]!);
  }, [data.workflows]);
  const nameOf = (id: string | null) => (id === null ? 'No workflow' : (names.get(id) ?? id));
  const ttd = data.timeToDecision;
  const days = ttd.byDay.map((d) => d.day);
  const depthNow = data.queueDepth.series.reduce((sum, s) => sum + s.current, 0);
  const endIsNow = Date.parse(data.queueDepth.end) < Date.parse(`${data.range.to}T00:00:00Z`) + 86_400_000;
  const entered = data.flow.reduce((sum, r) => sum + r.entered, 0);
  const left = data.flow.reduce((sum, r) => sum + r.left, 0);
  const slas = [...new Set(data.workflows.map((w) => w.slaMinutes))];

  return (
    <div className={styles.sections}>
      <section aria-labelledby="summary-title" className={styles.tiles}>
        <h2 id="summary-title" className={styles.srOnly}>
          Summary
        </h2>
        <Tile label="Decisions" value={String(ttd.overall.decisions)} />
        <Tile label="Median time to decision" value={formatMinutes(ttd.overall.p50Minutes)} testId="tile-p50" />
        <Tile label="90th percentile" value={formatMinutes(ttd.overall.p90Minutes)} />
        <Tile
          label="Over SLA"
          value={formatShare(ttd.overall.breaches, ttd.overall.decisions)}
          detail={`${ttd.overall.breaches} of ${ttd.overall.decisions}`}
          tone={ttd.overall.breaches > 0 ? 'warn' : undefined}
        />
        <Tile label={endIsNow ? 'In review now' : 'In review at the end'} value={String(depthNow)} />
        <Tile
          label="Entered / left review"
          value={`${entered} / ${left}`}
          detail={entered > left ? `backlog grew by ${entered - left}` : 'keeping up'}
        />
      </section>

      {data.slaNow ? <SlaNow rows={data.slaNow} nameOf={nameOf} /> : null}

      <CsvSection id="time-to-decision" title="Time to decision" search={search} section="time-to-decision">
        <p className={styles.note}>
          From the moment a session entered In Review to the analyst’s decision. Overrides of Didit’s automatic verdict are not
          timed.
        </p>
        <LineChart
          title="Time to decision per day, in minutes"
          summary={`Median ${formatMinutes(ttd.overall.p50Minutes)}, 90th percentile ${formatMinutes(ttd.overall.p90Minutes)} over ${ttd.overall.decisions} decisions.`}
          xLabels={days.map(formatDay)}
          labelEvery={Math.ceil(days.length / 8)}
          yFormat={(v) => formatMinutes(v)}
          durations
          series={[
            { key: 'p50', label: 'Median (p50)', color: seriesColors[0]!, values: ttd.byDay.map((d) => d.p50Minutes) },
            { key: 'p90', label: '90th percentile', color: seriesColors[1]!, values: ttd.byDay.map((d) => d.p90Minutes) },
            {
              key: 'p99',
              label: '99th percentile',
              color: seriesColors[2]!,
              values: ttd.byDay.map((d) => d.p99Minutes),
              dashed: true,
            },
          ]}
          references={slas.length === 1 ? [{ value: slas[0]!, label: `SLA ${formatMinutes(slas[0]!)}` }] : []}
        />
        <table className={styles.table} aria-label="Time to decision by workflow">
          <thead>
            <tr>
              <th scope="col">Workflow</th>
              <th scope="col">SLA</th>
              <th scope="col" className={styles.numeric}>
                Decisions
              </th>
              <th scope="col" className={styles.numeric}>
                p50
              </th>
              <th scope="col" className={styles.numeric}>
                p90
              </th>
              <th scope="col" className={styles.numeric}>
                p99
              </th>
              <th scope="col" className={styles.numeric}>
                Over SLA
              </th>
            </tr>
          </thead>
          <tbody>
            {ttd.byWorkflow.map((r) => (
              <tr key={r.workflowId ?? 'none'}>
                <th scope="row">{nameOf(r.workflowId)}</th>
                <td>{formatMinutes(data.workflows.find((w) => w.id === r.workflowId)?.slaMinutes ?? null)}</td>
                <td className={styles.numeric}>{r.decisions}</td>
                <td className={styles.numeric}>{formatMinutes(r.p50Minutes)}</td>
                <td className={styles.numeric}>{formatMinutes(r.p90Minutes)}</td>
                <td className={styles.numeric}>{formatMinutes(r.p99Minutes)}</td>
                <td className={styles.numeric}>
                  {r.breaches} ({formatShare(r.breaches, r.decisions)})
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </CsvSection>

      <CsvSection id="queue-depth" title="Queue depth" search={search} section="queue-depth">
        <LineChart
          title="Sessions In Review at each hour"
          summary={`${depthNow} in review at the end of the range; at most ${Math.max(0, ...data.queueDepth.series.flatMap((s) => s.values))} in any one workflow.`}
          xLabels={[...hourLabels(data.queueDepth.start, data.queueDepth.hours), endIsNow ? 'now' : 'end']}
          labelEvery={Math.max(24, Math.ceil(data.queueDepth.hours / 8 / 24) * 24)}
          series={data.queueDepth.series.map<ChartSeries>((s) => ({
            key: s.workflowId ?? 'none',
            label: nameOf(s.workflowId),
            color: colorOf(s.workflowId),
            // The hour marks, then the moment the figures were read.
            values: [...s.values, s.current],
          }))}
        />
      </CsvSection>

      <CsvSection id="flow" title="Inflow and outflow" search={search} section="flow">
        <p className={styles.note}>
          Per day: sessions that entered review, and sessions that left it (decided by anyone, or expired).
        </p>
        <LineChart
          bars
          title="Sessions entering and leaving review per day"
          summary={`${entered} entered and ${left} left review in the range.`}
          xLabels={days.map(formatDay)}
          labelEvery={Math.ceil(days.length / 8)}
          series={[
            { key: 'entered', label: 'Entered review', color: 'var(--color-review)', values: perDay(days, data.flow, 'entered') },
            { key: 'left', label: 'Left review', color: 'var(--color-approved)', values: perDay(days, data.flow, 'left') },
          ]}
        />
      </CsvSection>

      <CsvSection id="analysts" title="Analysts" search={search} section="analysts">
        <AnalystTable analysts={data.analysts} />
      </CsvSection>

      <SecondReviewAgreement data={data.secondReview} search={search} />

      <CsvSection id="versions" title="Threshold versions" search={search} section="versions">
        <p className={styles.note}>
          Each version in force during the range, over the sessions decided or sent to review in the range while it was in force.
          Its rates since it was applied are on its workflow’s page.
        </p>
        {data.versions.length === 0 ? (
          <p className={styles.note}>No threshold version applied through the console was in force in this range.</p>
        ) : (
          <table className={styles.table} aria-label="Rates per threshold version in this range">
            <thead>
              <tr>
                <th scope="col">Workflow</th>
                <th scope="col">Version</th>
                <th scope="col">Applied</th>
                <th scope="col" className={styles.numeric}>
                  Sessions in range
                </th>
                <th scope="col" className={styles.numeric}>
                  Review rate
                </th>
                <th scope="col" className={styles.numeric}>
                  Decline rate
                </th>
              </tr>
            </thead>
            <tbody>
              {data.versions.map((v) => (
                <tr key={`${v.workflowId}-${v.version}`}>
                  <th scope="row">{nameOf(v.workflowId)}</th>
                  <td>
                    <Link to={`/workflows/${v.workflowId}`}>v{v.version}</Link>
                  </td>
                  <td>{formatDateTime(v.appliedAt)}</td>
                  <td className={styles.numeric}>{v.sessions}</td>
                  <td className={styles.numeric}>{formatRate(v.reviewRate)}</td>
                  <td className={styles.numeric}>{formatRate(v.declineRate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CsvSection>
    </div>
  );
}

function Tile({
  label,
  value,
  detail,
  tone,
  testId,
}: {
  label: string;
  value: string;
  detail?: string;
  tone?: 'warn';
  testId?: string;
}) {
  return (
    <div className={tone === 'warn' ? `${styles.tile} ${styles.warn}` : styles.tile} data-testid={testId}>
      <span className={styles.tileLabel}>{label}</span>
      <span className={styles.tileValue}>{value}</span>
      {detail ? <span className={styles.tileDetail}>{detail}</span> : null}
    </div>
  );
}

function perDay(days: string[], flow: InsightsResponse['flow'], key: 'entered' | 'left'): number[] {
  const totals = new Map<string, number>();
  for (const r of flow) totals.set(r.day, (totals.get(r.day) ?? 0) + r[key]);
  return days.map((day) => totals.get(day) ?? 0);
}

function hourLabels(start: string, hours: number): string[] {
  const first = Date.parse(start);
  return Array.from({ length: hours }, (_, i) => formatDay(new Date(first + i * 3_600_000).toISOString().slice(0, 10)));
}
