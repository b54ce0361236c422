import { useState } from 'react';
import type { ThresholdVersionDto } from '../../../../server/contract/thresholds.ts';
import { actOnVersion } from '../../api/thresholds.ts';
import { formatThreshold } from './format.ts';
import { thresholdFields as fields } from './threshold-form.ts';
import styles from './Thresholds.module.css';

const pct = (value: number | null | undefined) => (value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`);

/** Every version, newest first, with what changed from the one before, its push state and rates. */
export function VersionHistory({
  workflowId,
  versions,
  me,
  canApprove,
  canPropose,
  onChange,
}: {
  workflowId: string;
  versions: ThresholdVersionDto[];
  me: string | null;
  canApprove: boolean;
  canPropose: boolean;
  onChange: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState<number | null>(null);
  const [note, setNote] = useState('');
  const act = async (version: number, action: 'approve' | 'reject' | 'withdraw' | 'retry', reason?: string) => {
    setError(null);
    try {
      await actOnVersion(workflowId, version, action, reason);
      setRejecting(null);
      setNote('');
      onChange();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
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
                  {v.proposedBy ?? 'Didit'} <span className={styles.muted}>{new Date(v.proposedAt).toLocaleString()}</span>
                  <div className={styles.muted}>{v.reason}</div>
                </td>
                <td>
                  {v.decidedBy ?? '—'}{' '}
                  {v.decidedAt ? <span className={styles.muted}>{new Date(v.decidedAt).toLocaleString()}</span> : null}
                  {v.appliedAt ? (
                    <div className={styles.ok}>confirmed by Didit {new Date(v.appliedAt).toLocaleString()}</div>
                  ) : null}
                </td>
                <td className={styles.num}>{pct(v.stats?.reviewRate)}</td>
                <td className={styles.num}>{pct(v.stats?.declineRate)}</td>
                <td>
                  {v.state === 'proposed' && canApprove && !own ? (
                    <>
                      <button
                        type="button"
                        className={`${styles.button} ${styles.primary}`}
                        onClick={() => void act(v.version, 'approve')}
                      >
                        Approve v{v.version}
                      </button>{' '}
                      {rejecting === v.version ? (
                        <form
                          onSubmit={(e) => {
                            e.preventDefault();
                            void act(v.version, 'reject', note);
                          }}
                        >
                          <label htmlFor={`reject-${v.version}`}>Why reject v{v.version}?</label>
                          <input
                            id={`reject-${v.version}`}
                            value={note}
                            onChange={(e) => setNote(e.target.value)}
                            required
                            minLength={3}
                          />
                          <button type="submit" className={styles.button}>
                            Reject v{v.version}
                          </button>
                        </form>
                      ) : (
                        <button type="button" className={styles.button} onClick={() => setRejecting(v.version)}>
                          Reject…
                        </button>
                      )}
                    </>
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
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
