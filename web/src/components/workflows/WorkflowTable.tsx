import { Link } from 'react-router';
import type { WorkflowDto } from '../../../../server/contract/thresholds.ts';
import { formatThresholdSet as show } from '../thresholds/format.ts';
import styles from '../thresholds/Thresholds.module.css';

/** The workflows the console knows, with their thresholds and whether Didit still agrees. */
export function WorkflowTable({ workflows }: { workflows: WorkflowDto[] }) {
  return (
    <table className={styles.table} aria-label="Workflows">
      <thead>
        <tr>
          <th scope="col">Workflow</th>
          <th scope="col">Type</th>
          <th scope="col">Features</th>
          <th scope="col">Liveness method</th>
          <th scope="col">Thresholds (liveness · face match, review/decline)</th>
          <th scope="col">Version</th>
          <th scope="col">Didit version</th>
          <th scope="col">Didit</th>
        </tr>
      </thead>
      <tbody>
        {workflows.map((w) => (
          <tr key={w.id}>
            <td>
              <Link to={`/workflows/${w.id}`}>{w.label ?? w.id}</Link>
              {w.openProposal !== null ? <div className={styles.warn}>v{w.openProposal} awaiting approval</div> : null}
            </td>
            <td>{w.type ?? '—'}</td>
            <td>{w.hasFaceMatch ? 'Liveness + face match' : 'Liveness only'}</td>
            <td>{w.livenessMethod ?? '—'}</td>
            <td>{show(w.current)}</td>
            <td>{w.currentVersion === null ? 'Didit settings' : `v${w.currentVersion}`}</td>
            <td>
              {w.diditVersion === null ? '—' : `v${w.diditVersion}`}
              {w.diditDraftVersion !== null ? (
                <>
                  {' '}
                  <span className={styles.badge} title="An unpublished draft in Didit's console; not in force">
                    draft v{w.diditDraftVersion}
                  </span>
                </>
              ) : null}
            </td>
            <td>
              {w.drift ? (
                <span className={styles.error}>Drift: Didit has {show(w.drift.didit)}</span>
              ) : w.syncedAt ? (
                <span className={styles.ok}>In sync</span>
              ) : (
                <span className={styles.muted}>Not read from Didit yet</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
