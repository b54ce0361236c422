import { useState } from 'react';
import type { ThresholdVersionDto, WorkflowDetailDto } from '../../../../server/contract/thresholds.ts';
import { httpThresholdVersionApi, type ThresholdVersionApi } from '../../api/thresholds.ts';
import { ConfirmDialog } from '../common/ConfirmDialog.tsx';
import { formatThreshold } from './format.ts';
import { proposalReviewId, workflowName } from './ProposalReview.tsx';
import { describeChange } from './threshold-change.ts';
import { ThresholdChangeTable } from './ThresholdChangeTable.tsx';
import { reasonProblem, thresholdFields as fields } from './threshold-form.ts';
import styles from './Thresholds.module.css';
import { formatDateTime } from '../../format/date.ts';

const pct = (value: number | null | undefined) => (value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`);

const sameValues = (a: ThresholdVersionDto['thresholds'], b: ThresholdVersionDto['thresholds'] | null) =>
  b !== null && fields.every((f) => a[f.key] === b[f.key]);

/** Why an applied version cannot be proposed again now, or null when it can. */
export function rollbackBlocker(workflow: WorkflowDetailDto, target: ThresholdVersionDto): string | null {
  if (workflow.openProposal !== null) {
    return `v${workflow.openProposal} is open: approve, reject or withdraw it before rolling back.`;
  }
  if ((target.thresholds.faceMatchReview !== null) !== workflow.hasFaceMatch) {
    return `v${target.version} was set when the workflow ${workflow.hasFaceMatch ? 'had no' : 'had'} face match.`;
  }
  if (sameValues(target.thresholds, workflow.current)) return `v${target.version}'s values are the ones in force.`;
  return null;
}

/**
 * Every version, newest first, with what changed from the one before, its push state and rates.
 * An open proposal is approved or rejected in the review panel above, not from here. A lead can
 * roll back to an earlier applied version: that proposes its values again, through four eyes.
 */
export function VersionHistory({
  workflow,
  me,
  canApprove,
  canPropose,
  onChange,
  api = httpThresholdVersionApi,
}: {
  workflow: WorkflowDetailDto;
  me: string | null;
  canApprove: boolean;
  canPropose: boolean;
  onChange: () => void;
  /** The HTTP calls; tests hand in plain async functions. */
  api?: ThresholdVersionApi;
}) {
  const { versions } = workflow;
  const [error, setError] = useState<string | null>(null);
  const [rollingBack, setRollingBack] = useState<ThresholdVersionDto | null>(null);
  const act = async (version: number, action: 'withdraw' | 'retry') => {
    setError(null);
    try {
      await api.actOnVersion(workflow.id, version, action);
      onChange();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const nextVersion = Math.max(0, ...versions.map((v) => v.version)) + 1;
  if (versions.length === 0)
    return <p className={styles.muted}>No versions yet: the thresholds shown are Didit&apos;s own settings.</p>;
  return (
    <>
      {error ? (
        <p className={styles.error} role="alert">
          {error}
        </p>
      ) : null}
      <table className={styles.table} aria-label="Threshold versions">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">State</th>
            {fields.map((f) => (
              <th key={f.key} scope="col" className={styles.num}>
                {f.label}
              </th>
            ))}
            <th scope="col">Proposed</th>
            <th scope="col">Decided</th>
            <th scope="col" className={styles.num}>
              Review rate
            </th>
            <th scope="col" className={styles.num}>
              Decline rate
            </th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v, index) => {
            const previous = versions.slice(index + 1).find((p) => p.appliedAt) ?? versions[index + 1];
            const own = me !== null && v.proposedById === me;
            return (
              <tr key={v.id} data-testid={`version-${v.version}`}>
                <td>v{v.version}</td>
                <td>
                  <span
                    className={`${styles.state} ${v.state === 'applied' ? styles.ok : v.state === 'failed' ? styles.error : ''}`}
                  >
                    {v.state}
                  </span>
                  {v.diditVersion !== null ? <div className={styles.muted}>applied to Didit v{v.diditVersion}</div> : null}
                  {v.pushError ? <div className={styles.error}>{v.pushError}</div> : null}
                </td>
                {fields.map((f) => {
                  const value = v.thresholds[f.key];
                  const before = previous?.thresholds[f.key];
                  const changed = previous !== undefined && before !== value;
                  return (
                    <td key={f.key} className={`${styles.num} ${changed ? styles.changed : ''}`}>
                      {formatThreshold(value)}
                      {changed ? <span className={styles.muted}> (was {formatThreshold(before ?? null)})</span> : null}
                    </td>
                  );
                })}
                <td>
                  {v.proposedBy ?? 'Didit'} <span className={styles.muted}>{formatDateTime(v.proposedAt)}</span>
                  <div className={styles.muted}>{v.reason}</div>
                </td>
                <td>
                  {v.decidedBy ?? '—'} {v.decidedAt ? <span className={styles.muted}>{formatDateTime(v.decidedAt)}</span> : null}
                  {v.decisionNote ? <div className={styles.muted}>{v.decisionNote}</div> : null}
                  {v.appliedAt ? <div className={styles.ok}>confirmed by Didit {formatDateTime(v.appliedAt)}</div> : null}
                </td>
                <td className={styles.num}>{pct(v.stats?.reviewRate)}</td>
                <td className={styles.num}>{pct(v.stats?.declineRate)}</td>
                <td>
                  {v.state === 'proposed' && canApprove && !own ? (
                    <a href={`#${proposalReviewId}`}>Review v{v.version} above</a>
                  ) : null}
                  {v.state === 'proposed' && own && canPropose ? (
                    <>
                      <span className={styles.muted}>Needs another lead. </span>
                      <button type="button" className={styles.button} onClick={() => void act(v.version, 'withdraw')}>
                        Withdraw
                      </button>
                    </>
                  ) : null}
                  {v.state === 'failed' && canApprove ? (
                    <button type="button" className={styles.button} onClick={() => void act(v.version, 'retry')}>
                      Retry push
                    </button>
                  ) : null}
                  {v.state === 'applied' && v.version !== workflow.currentVersion && canPropose ? (
                    <RollbackButton workflow={workflow} target={v} onStart={() => setRollingBack(v)} />
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {rollingBack ? (
        <ConfirmDialog
          title={`Roll back to v${rollingBack.version}`}
          confirmLabel={`Propose v${nextVersion}`}
          note={{
            label: 'Reason (required)',
            initial: `Roll back to v${rollingBack.version}: `,
            check: (text) =>
              reasonProblem(text) !== null || text.trim() === `Roll back to v${rollingBack.version}:`
                ? `Say why after “Roll back to v${rollingBack.version}:”.`
                : null,
          }}
          onConfirm={async (reason) => {
            await api.proposeThresholds(workflow.id, rollingBack.thresholds, reason);
            setRollingBack(null);
            onChange();
          }}
          onCancel={() => setRollingBack(null)}
        >
          <p>
            Propose v{nextVersion} of ‘{workflowName(workflow)}’ with v{rollingBack.version}&apos;s values:{' '}
            {describeChange(workflow.current, rollingBack.thresholds)}. Another lead has to approve it before Didit is updated.
          </p>
          <ThresholdChangeTable
            label={`v${rollingBack.version} against the thresholds in force`}
            from={workflow.current}
            to={rollingBack.thresholds}
            fromHeading={
              workflow.currentVersion === null ? "In force (Didit's settings)" : `In force (v${workflow.currentVersion})`
            }
            toHeading={`v${rollingBack.version}`}
          />
        </ConfirmDialog>
      ) : null}
    </>
  );
}

/** `Roll back to v2…`, or the same button disabled with the reason beside it. */
function RollbackButton({
  workflow,
  target,
  onStart,
}: {
  workflow: WorkflowDetailDto;
  target: ThresholdVersionDto;
  onStart: () => void;
}) {
  const blocker = rollbackBlocker(workflow, target);
  const reasonId = `rollback-blocked-${target.version}`;
  return (
    <>
      <button
        type="button"
        className={styles.button}
        aria-haspopup="dialog"
        disabled={blocker !== null}
        aria-describedby={blocker !== null ? reasonId : undefined}
        onClick={onStart}
      >
        Roll back to v{target.version}…
      </button>
      {blocker !== null ? (
        <div id={reasonId} className={styles.muted}>
          {blocker}
        </div>
      ) : null}
    </>
  );
}
