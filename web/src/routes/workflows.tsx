import { useSyncWorkflows, useWorkflows } from '../api/queries.ts';
import { errorMessage } from '../api/review.ts';
import { useCan } from '../components/auth/me.ts';
import { EmptyState } from '../components/layout/EmptyState.tsx';
import { PageHeader } from '../components/layout/PageHeader.tsx';
import styles from '../components/thresholds/Thresholds.module.css';
import { WorkflowTable } from '../components/workflows/WorkflowTable.tsx';

export function Component() {
  const canSync = useCan('threshold.propose');
  const workflows = useWorkflows();
  const sync = useSyncWorkflows();
  const failure = sync.error ?? workflows.error;
  return (
    <>
      <PageHeader title="Workflows">
        {canSync ? (
          <button
            type="button"
            className={styles.button}
            onClick={() => sync.mutate()}
            disabled={sync.isPending}
            aria-busy={sync.isPending}
          >
            Refresh from Didit
          </button>
        ) : null}
      </PageHeader>
      {failure ? (
        <p className={styles.error} role="alert">
          {errorMessage(failure)}
        </p>
      ) : null}
      {workflows.data === undefined ? (
        workflows.isError ? null : (
          <p className={styles.muted}>Loading…</p>
        )
      ) : workflows.data.length === 0 ? (
        <EmptyState title="No workflows known yet">
          <p>Didit workflows appear here once they are synced, with their review and decline thresholds.</p>
        </EmptyState>
      ) : (
        <WorkflowTable workflows={workflows.data} />
      )}
    </>
  );
}
