import { useEffect, useId, useMemo, useState } from 'react';
import type { SimulationDto, ThresholdVersionDto, WorkflowDetailDto } from '../../../../server/contract/thresholds.ts';
import { httpThresholdVersionApi, type ThresholdVersionApi } from '../../api/thresholds.ts';
import { ConfirmDialog } from '../common/ConfirmDialog.tsx';
import { SimulationView } from './SimulationView.tsx';
import { describeChange } from './threshold-change.ts';
import { rejectionNoteProblem } from './threshold-form.ts';
import { ThresholdChangeTable } from './ThresholdChangeTable.tsx';
import styles from './Thresholds.module.css';
import { formatDateTime } from '../../format/date.ts';

/** The element the version history links to ("Review v4 above"). */
export const proposalReviewId = 'proposal-review';

/** Contradicted sessions listed here; the editor lists them all. */
const CONTRADICTIONS_SHOWN = 5;

export const workflowName = (workflow: Pick<WorkflowDetailDto, 'label' | 'id'>) => workflow.label ?? workflow.id;

/**
 * Four eyes that look: what an open proposal would change, shown to the lead who may approve it.
 * The values against those in force, who proposed it and why, and its simulation, computed when
 * the panel opens. Approve and reject each confirm in a dialog that names the change.
 */
export function ProposalReview({
  workflow,
  proposal,
  onChange,
  api = httpThresholdVersionApi,
}: {
  workflow: WorkflowDetailDto;
  proposal: ThresholdVersionDto;
  onChange: () => void;
  /** The HTTP calls; tests hand in plain async functions. */
  api?: ThresholdVersionApi;
}) {
  const titleId = useId();
  const [days, setDays] = useState(7);
  const [result, setResult] = useState<{ key: string; simulation?: SimulationDto; error?: string } | null>(null);
  const [dialog, setDialog] = useState<'approve' | 'reject' | null>(null);
  const v = proposal.version;
  const name = workflowName(workflow);
  const pending = workflow.versions.find((other) => other.state === 'approved');

  // The workflow is reloaded (and polled while a push is on its way): simulate again only when
  // what is simulated changes, not each time the same values arrive in a new object.
  const { livenessReview, livenessDecline, faceMatchReview, faceMatchDecline } = proposal.thresholds;
  const simulated = useMemo(
    () => ({ livenessReview, livenessDecline, faceMatchReview, faceMatchDecline }),
    [livenessReview, livenessDecline, faceMatchReview, faceMatchDecline],
  );
  const key = `${JSON.stringify(simulated)}:${days}`;
  useEffect(() => {
    const controller = new AbortController();
    api.simulateThresholds(workflow.id, simulated, days, controller.signal).then(
      (simulation) => setResult({ key, simulation }),
      (e: unknown) => {
        if (!controller.signal.aborted) setResult({ key, error: e instanceof Error ? e.message : String(e) });
      },
    );
    return () => controller.abort();
  }, [api, workflow.id, simulated, days, key]);
  const shown = result?.key === key ? result : null;
  const simulation = shown?.simulation ?? null;
  const simulationError = shown?.error ?? null;
  // Null only when Didit's settings were never read; the simulation then says what the server used.
  const inForce = workflow.current ?? simulation?.current ?? null;
  const change = describeChange(inForce, proposal.thresholds);

  const act = async (action: 'approve' | 'reject', note: string) => {
    await api.actOnVersion(workflow.id, v, action, note === '' ? undefined : note);
    setDialog(null);
    onChange();
  };

  return (
    <section id={proposalReviewId} className={`${styles.panel} ${styles.review}`} aria-labelledby={titleId}>
      <h2 id={titleId}>Review v{v} before it reaches Didit</h2>
      <p>
        Proposed by <strong>{proposal.proposedBy ?? 'an unknown user'}</strong>{' '}
        <span className={styles.muted}>{formatDateTime(proposal.proposedAt)}</span>. Their reason:
      </p>
      <blockquote className={styles.quote}>{proposal.reason}</blockquote>
      <ThresholdChangeTable
        label={`v${v} against the thresholds in force`}
        from={inForce}
        to={proposal.thresholds}
        fromHeading={workflow.currentVersion === null ? "In force (Didit's settings)" : `In force (v${workflow.currentVersion})`}
        toHeading={`Proposed (v${v})`}
      />
      {pending ? (
        <p className={styles.warn}>
          v{pending.version} is approved and on its way to Didit; the comparison is with what is in force now.
        </p>
      ) : null}

      <div className={styles.actions}>
        <label>
          Simulation window{' '}
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            <option value={7}>last 7 days</option>
            <option value={30}>last 30 days</option>
            <option value={90}>last 90 days</option>
          </select>
        </label>
        {simulation === null && simulationError === null ? (
          <span className={styles.muted} role="status">
            Simulating v{v}…
          </span>
        ) : null}
      </div>
      {simulationError !== null ? (
        <p className={styles.error} role="alert">
          The simulation failed: {simulationError}
        </p>
      ) : null}
      {simulation ? <SimulationView simulation={simulation} contradictionLimit={CONTRADICTIONS_SHOWN} /> : null}

      <div className={styles.actions}>
        <button
          type="button"
          className={`${styles.button} ${styles.primary}`}
          aria-haspopup="dialog"
          // Approval waits for the simulation: the point is to look before saying yes.
          disabled={simulation === null && simulationError === null}
          onClick={() => setDialog('approve')}
        >
          Approve v{v}…
        </button>
        <button type="button" className={styles.button} aria-haspopup="dialog" onClick={() => setDialog('reject')}>
          Reject v{v}…
        </button>
      </div>

      {dialog === 'approve' ? (
        <ConfirmDialog
          title={`Approve v${v}`}
          confirmLabel="Confirm"
          note={{ label: 'Note (optional)' }}
          onConfirm={(note) => act('approve', note)}
          onCancel={() => setDialog(null)}
        >
          <p>
            Approve v{v} of ‘{name}’: {change}. Didit will be updated at once.
          </p>
        </ConfirmDialog>
      ) : null}
      {dialog === 'reject' ? (
        <ConfirmDialog
          title={`Reject v${v}`}
          confirmLabel="Confirm"
          note={{
            label: 'Why reject it? (required)',
            check: rejectionNoteProblem,
          }}
          onConfirm={(note) => act('reject', note)}
          onCancel={() => setDialog(null)}
        >
          <p>
            Reject v{v} of ‘{name}’: {change}. The thresholds in force stay as they are.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
