import type { WorkflowDto } from '../../../../server/contract/thresholds.ts';
import styles from './Thresholds.module.css';

/**
 * Which Didit workflow version is in force: new sessions use the latest published version, and
 * approved thresholds are pushed to it. A draft in Didit's console changes nothing until published.
 */
export function DiditVersionNote({ workflow }: { workflow: Pick<WorkflowDto, 'diditVersion' | 'diditDraftVersion'> }) {
  return (
    <p className={styles.didit}>
      {workflow.diditVersion === null
        ? 'Didit: the published version has not been read yet.'
        : `Didit: published v${workflow.diditVersion} — new sessions and approved thresholds apply to this version.`}
      {workflow.diditDraftVersion !== null ? (
        <>
          <br />
          <span className={styles.warn}>
            A draft v{workflow.diditDraftVersion} exists in Didit&apos;s console; it is not in force until published there.
          </span>
        </>
      ) : null}
    </p>
  );
}
