import { useEffect, useId, useState } from 'react';
import { Link } from 'react-router';
import type { HistogramDto, SimulationDto, ThresholdSet, WorkflowDetailDto } from '../../../../server/contract/thresholds.ts';
import { outcomes } from '../../../../server/contract/thresholds.ts';
import { getScoreDistribution, proposeThresholds, simulateThresholds } from '../../api/thresholds.ts';
import { ScoreHistogram } from './ScoreHistogram.tsx';
import styles from './Thresholds.module.css';

type Key = keyof ThresholdSet;

function ThresholdField({ label, value, onChange }: { label: string; value: number; onChange: (value: number) => void }) {
  const id = useId();
  return (
    <div className={styles.field}>
      <label htmlFor={id}>{label}</label>
      <input
        type="range"
        min={0}
        max={100}
        step={1}
        value={value}
        aria-label={`${label} (slider)`}
        onChange={(e) => onChange(Number(e.target.value))}
      />
      <input
        id={id}
        type="number"
        min={0}
        max={100}
        step={0.5}
        value={value}
        onChange={(e) => onChange(Number(e.target.value))}
      />
    </div>
  );
}

/** Problems the server would refuse, shown before asking it. */
export function thresholdProblems(t: ThresholdSet): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(t)) {
    if (value !== null && (!Number.isFinite(value) || value < 0 || value > 100))
      problems.push(`${key} must be between 0 and 100`);
  }
  if (t.livenessDecline > t.livenessReview) problems.push('Liveness decline must be at or below liveness review');
  if (t.faceMatchDecline !== null && t.faceMatchReview !== null && t.faceMatchDecline > t.faceMatchReview) {
    problems.push('Face-match decline must be at or below face-match review');
  }
  return problems;
}

export function ThresholdEditor({
  workflow,
  canPropose,
  onProposed,
}: {
  workflow: WorkflowDetailDto;
  canPropose: boolean;
  onProposed: () => void;
}) {
  const current: ThresholdSet = workflow.current ?? {
    livenessReview: 70,
    livenessDecline: 50,
    faceMatchReview: workflow.hasFaceMatch ? 70 : null,
    faceMatchDecline: workflow.hasFaceMatch ? 50 : null,
  };
  const [proposed, setProposed] = useState<ThresholdSet>(current);
  const [days, setDays] = useState(7);
  const [histogram, setHistogram] = useState<HistogramDto | null>(null);
  const [simulation, setSimulation] = useState<SimulationDto | null>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const problems = thresholdProblems(proposed);

  useEffect(() => {
    const controller = new AbortController();
    getScoreDistribution(workflow.id, days, controller.signal).then(setHistogram, () => undefined);
    return () => controller.abort();
  }, [workflow.id, days]);

  useEffect(() => {
    if (problems.length > 0) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      simulateThresholds(workflow.id, proposed, days, controller.signal).then(setSimulation, () => undefined);
    }, 200);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- problems derive from proposed
  }, [workflow.id, proposed, days]);

  const set = (key: Key) => (value: number) => setProposed((t) => ({ ...t, [key]: value }));
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await proposeThresholds(workflow.id, proposed, reason);
      setReason('');
      onProposed();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className={styles.panel} aria-labelledby="editor-title">
      <h2 id="editor-title">Threshold editor</h2>
      <div className={styles.grid}>
        <div>
          <h3>Liveness</h3>
          <ThresholdField label="Liveness review" value={proposed.livenessReview} onChange={set('livenessReview')} />
          <ThresholdField label="Liveness decline" value={proposed.livenessDecline} onChange={set('livenessDecline')} />
          {histogram ? (
            <ScoreHistogram
              title="Liveness scores"
              series={histogram.liveness}
              binWidth={histogram.binWidth}
              lines={[
                { value: current.livenessReview, label: 'current review', dashed: true },
                { value: current.livenessDecline, label: 'current decline', dashed: true },
                { value: proposed.livenessReview, label: 'proposed review' },
                { value: proposed.livenessDecline, label: 'proposed decline' },
              ]}
            />
          ) : null}
        </div>
        {workflow.hasFaceMatch && proposed.faceMatchReview !== null && proposed.faceMatchDecline !== null ? (
          <div>
            <h3>Face match</h3>
            <ThresholdField label="Face-match review" value={proposed.faceMatchReview} onChange={set('faceMatchReview')} />
            <ThresholdField label="Face-match decline" value={proposed.faceMatchDecline} onChange={set('faceMatchDecline')} />
            {histogram ? (
              <ScoreHistogram
                title="Face-match scores"
                series={histogram.faceMatch}
                binWidth={histogram.binWidth}
                lines={[
                  { value: current.faceMatchReview, label: 'current review', dashed: true },
                  { value: current.faceMatchDecline, label: 'current decline', dashed: true },
                  { value: proposed.faceMatchReview, label: 'proposed review' },
                  { value: proposed.faceMatchDecline, label: 'proposed decline' },
                ]}
              />
            ) : null}
          </div>
        ) : (
          <p className={styles.muted}>Liveness only: this workflow has no face match.</p>
        )}
      </div>

      <div className={styles.actions}>
        <label>
          Window{' '}
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            <option value={7}>last 7 days</option>
            <option value={30}>last 30 days</option>
            <option value={90}>last 90 days</option>
          </select>
        </label>
        {problems.map((p) => (
          <span key={p} className={styles.error} role="alert">
            {p}
          </span>
        ))}
      </div>

      {simulation ? <SimulationView simulation={simulation} /> : null}

      {canPropose ? (
        workflow.openProposal === null ? (
          <div>
            <label htmlFor="reason">Reason (required)</label>
            <textarea id="reason" className={styles.reason} value={reason} onChange={(e) => setReason(e.target.value)} />
            <div className={styles.actions}>
              <button
                type="button"
                className={`${styles.button} ${styles.primary}`}
                disabled={busy || problems.length > 0 || reason.trim().length < 3}
                onClick={() => void submit()}
              >
                Propose version
              </button>
              {error ? (
                <span className={styles.error} role="alert">
                  {error}
                </span>
              ) : null}
            </div>
          </div>
        ) : (
          <p className={styles.muted}>
            Version {workflow.openProposal} is open: approve, reject or withdraw it before proposing another.
          </p>
        )
      ) : null}
    </section>
  );
}

function SimulationView({ simulation }: { simulation: SimulationDto }) {
  const sign = (n: number) => (n > 0 ? `+${n}` : String(n));
  return (
    <div aria-live="polite">
      <h3>What it would have done ({simulation.sessions} sessions in the window)</h3>
      <p data-testid="review-change">
        Reviews per day: {simulation.reviewsPerDay.current} → {simulation.reviewsPerDay.proposed} (
        <strong className={simulation.reviewsPerDay.change > 0 ? styles.warn : undefined}>
          {sign(simulation.reviewsPerDay.change)}
        </strong>
        ); declines per day: {simulation.declinesPerDay.current} → {simulation.declinesPerDay.proposed}.
      </p>
      <table className={styles.table} aria-label="Transition matrix">
        <thead>
          <tr>
            <th scope="col">Current ↓ / proposed →</th>
            {outcomes.map((o) => (
              <th key={o} scope="col" className={styles.num}>
                {o}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {outcomes.map((from) => (
            <tr key={from}>
              <th scope="row">{from}</th>
              {outcomes.map((to) => (
                <td key={to} className={`${styles.num} ${from !== to && simulation.matrix[from][to] > 0 ? styles.changed : ''}`}>
                  {simulation.matrix[from][to]}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <h3 style={{ marginTop: 'var(--space-3)' }}>Analyst verdicts it would contradict: {simulation.contradictions.total}</h3>
      {simulation.contradictions.items.length > 0 ? (
        <table className={styles.table} aria-label="Contradicted verdicts">
          <thead>
            <tr>
              <th scope="col">Session</th>
              <th scope="col">Analyst</th>
              <th scope="col">Proposed</th>
              <th scope="col" className={styles.num}>
                Liveness
              </th>
              <th scope="col" className={styles.num}>
                Face match
              </th>
            </tr>
          </thead>
          <tbody>
            {simulation.contradictions.items.map((c) => (
              <tr key={c.sessionId}>
                <td>
                  <Link to={`/sessions/${c.sessionId}`}>{c.vendorData ?? c.sessionId.slice(0, 8)}</Link>
                </td>
                <td>{c.analystVerdict}</td>
                <td>{c.proposedOutcome}</td>
                <td className={styles.num}>{c.livenessScore ?? '—'}</td>
                <td className={styles.num}>{c.faceMatchScore ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <p className={styles.muted}>Computed in {simulation.tookMs} ms.</p>
    </div>
  );
}
