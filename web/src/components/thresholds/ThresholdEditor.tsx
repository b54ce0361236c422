import { useEffect, useId, useMemo, useState } from 'react';
import {
  defaultThresholds,
  type HistogramDto,
  type SimulationDto,
  type ThresholdSet,
  type WorkflowDetailDto,
} from '../../../../server/contract/thresholds.ts';
import { errorMessage, isAbortError } from '../../api/review.ts';
import { httpThresholdEditorApi, type ThresholdEditorApi } from '../../api/thresholds.ts';
import { formatThresholdSet } from './format.ts';
import { ScoreHistogram } from './ScoreHistogram.tsx';
import { SimulationView } from './SimulationView.tsx';
import {
  acceptedValue,
  checkThresholds,
  draftNumber,
  draftsFrom,
  reasonProblem,
  thresholdFields,
  type ThresholdDrafts,
  type ThresholdKey,
  type ThresholdProblem,
} from './threshold-form.ts';
import styles from './Thresholds.module.css';

const problemId = (editorId: string, index: number) => `${editorId}-problem-${index}`;

/**
 * One threshold: a slider and a box, both in whole steps (Didit takes integers). The box keeps
 * what was typed, so a fraction stays visible next to the message that refuses it.
 */
function ThresholdField({
  label,
  text,
  fallback,
  describedBy,
  onChange,
}: {
  label: string;
  text: string;
  /** Where the slider sits while the box holds something that is not a number. */
  fallback: number;
  /** Ids of the problems about this field (the box is then invalid). */
  describedBy: string | undefined;
  onChange: (text: string) => void;
}) {
  const id = useId();
  const typed = draftNumber(text);
  const sliderValue = typed !== null && Number.isFinite(typed) ? Math.round(typed) : fallback;
  return (
    <div className={styles.field}>
      <label htmlFor={id}>{label}</label>
      <input
        type="range"
        min={0}
        max={100}
        step={1}
        value={sliderValue}
        aria-label={`${label} (slider)`}
        onChange={(e) => onChange(e.target.value)}
      />
      <input
        id={id}
        type="number"
        min={0}
        max={100}
        step={1}
        inputMode="numeric"
        value={text}
        aria-invalid={describedBy ? true : undefined}
        aria-describedby={describedBy}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}

export function ThresholdEditor({
  workflow,
  canPropose,
  onProposed,
  api = httpThresholdEditorApi,
}: {
  workflow: WorkflowDetailDto;
  canPropose: boolean;
  onProposed: () => void;
  /** The HTTP calls; tests hand in plain async functions. */
  api?: ThresholdEditorApi;
}) {
  const current: ThresholdSet = workflow.current ?? defaultThresholds(workflow.hasFaceMatch);
  const editorId = useId();
  const [drafts, setDrafts] = useState<ThresholdDrafts>(() => draftsFrom(current));
  const [days, setDays] = useState(7);
  const [histogram, setHistogram] = useState<HistogramDto | null>(null);
  const [simulation, setSimulation] = useState<SimulationDto | null>(null);
  // Failed reads are said, not swallowed; the last good plot or matrix stays beside the message.
  const [histogramError, setHistogramError] = useState<string | null>(null);
  const [simulationError, setSimulationError] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const check = useMemo(() => checkThresholds(drafts, workflow.hasFaceMatch), [drafts, workflow.hasFaceMatch]);
  const problems: ThresholdProblem[] = check.ok ? [] : check.problems;
  /** The set the server would accept (whole numbers), or null while a box holds something it would refuse. */
  const proposed = check.ok ? check.value : null;

  useEffect(() => {
    const controller = new AbortController();
    api.getScoreDistribution(workflow.id, days, controller.signal).then(
      (fresh) => {
        setHistogram(fresh);
        setHistogramError(null);
      },
      (cause: unknown) => {
        if (!controller.signal.aborted && !isAbortError(cause)) setHistogramError(errorMessage(cause));
      },
    );
    return () => controller.abort();
  }, [api, workflow.id, days]);

  useEffect(() => {
    // Nothing is sent while a box holds what the server would refuse.
    if (proposed === null) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.simulateThresholds(workflow.id, proposed, days, controller.signal).then(
        (fresh) => {
          setSimulation(fresh);
          setSimulationError(null);
        },
        (cause: unknown) => {
          if (!controller.signal.aborted && !isAbortError(cause)) setSimulationError(errorMessage(cause));
        },
      );
    }, 200);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, workflow.id, proposed, days]);

  const set = (key: ThresholdKey) => (text: string) => setDrafts((d) => ({ ...d, [key]: text }));
  const describedBy = (key: ThresholdKey) => {
    const ids = problems.flatMap((p, index) => (p.key === key ? [problemId(editorId, index)] : []));
    return ids.length > 0 ? ids.join(' ') : undefined;
  };
  const field = (key: ThresholdKey) => {
    const text = drafts[key];
    const label = thresholdFields.find((f) => f.key === key)?.label ?? key;
    return text === null ? null : (
      <ThresholdField label={label} text={text} fallback={current[key] ?? 0} describedBy={describedBy(key)} onChange={set(key)} />
    );
  };
  /** A proposed line is drawn only at a value the server would take. */
  const line = (key: ThresholdKey) => acceptedValue(key, drafts[key]);
  const submit = async () => {
    if (!proposed) return;
    setBusy(true);
    setError(null);
    try {
      await api.proposeThresholds(workflow.id, proposed, reason);
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
      {histogramError ? (
        <p className={styles.error} role="alert">
          The score distribution could not be loaded: {histogramError}
        </p>
      ) : null}
      <div className={styles.grid}>
        <div>
          <h3>Liveness</h3>
          {field('livenessReview')}
          {field('livenessDecline')}
          {histogram ? (
            <ScoreHistogram
              title="Liveness scores"
              scoreLabel="Liveness score"
              series={histogram.liveness}
              binWidth={histogram.binWidth}
              current={{ review: current.livenessReview, decline: current.livenessDecline }}
              proposed={{ review: line('livenessReview'), decline: line('livenessDecline') }}
            />
          ) : null}
        </div>
        {workflow.hasFaceMatch && drafts.faceMatchReview !== null && drafts.faceMatchDecline !== null ? (
          <div>
            <h3>Face match</h3>
            {field('faceMatchReview')}
            {field('faceMatchDecline')}
            {histogram ? (
              <ScoreHistogram
                title="Face-match scores"
                scoreLabel="Face-match score"
                series={histogram.faceMatch}
                binWidth={histogram.binWidth}
                current={{ review: current.faceMatchReview, decline: current.faceMatchDecline }}
                proposed={{ review: line('faceMatchReview'), decline: line('faceMatchDecline') }}
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
        {problems.map((p, index) => (
          <span key={`${p.key ?? ''}:${p.text}`} id={problemId(editorId, index)} className={styles.error} role="alert">
            {p.text}
          </span>
        ))}
      </div>
      {simulationError ? (
        <p className={styles.error} role="alert">
          The simulation could not be run: {simulationError}
        </p>
      ) : null}

      {simulation ? (
        // While a box holds what the server would refuse, nothing is re-simulated: the numbers
        // are those of the last valid thresholds, and say so.
        <div
          className={proposed === null ? styles.stale : undefined}
          data-testid="simulation-results"
          data-stale={proposed === null}
        >
          <div role="status">
            {proposed === null ? (
              <p className={styles.staleNote}>
                Results for the last valid thresholds ({formatThresholdSet(simulation.proposed)}); fix the highlighted value to
                update.
              </p>
            ) : null}
          </div>
          <div className={proposed === null ? styles.staleBody : undefined}>
            <SimulationView simulation={simulation} />
          </div>
        </div>
      ) : null}

      {canPropose ? (
        workflow.openProposal === null ? (
          <div>
            <label htmlFor="reason">Reason (required)</label>
            <textarea id="reason" className={styles.reason} value={reason} onChange={(e) => setReason(e.target.value)} />
            <div className={styles.actions}>
              <button
                type="button"
                className={`${styles.button} ${styles.primary}`}
                disabled={busy || proposed === null || reasonProblem(reason) !== null}
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
