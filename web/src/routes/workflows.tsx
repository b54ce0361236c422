import { useCallback, useEffect, useState } from 'react';
import type { WorkflowDto } from '../../../server/contract/thresholds.ts';
import { listWorkflows, syncWorkflows } from '../api/thresholds.ts';
import { useCan } from '../components/auth/me.ts';
import { EmptyState } from '../components/layout/EmptyState.tsx';
import { PageHeader } from '../components/layout/PageHeader.tsx';
import styles from '../components/thresholds/Thresholds.module.css';
import { WorkflowTable } from '../components/workflows/WorkflowTable.tsx';

export function Component() {
  const [workflows, setWorkflows] = useState<WorkflowDto[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const canSync = useCan('threshold.propose');
  const load = useCallback(() => {
    listWorkflows().then(
      (body) => setWorkflows(body.items),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, []);
  useEffect(load, [load]);
  const refresh = async () => {
    setError(null);
    try {
      await syncWorkflows();
      load();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <>
      <PageHeader title="Workflows">
        {canSync ? (
          <button type="button" className={styles.button} onClick={() => void refresh()}>
            Refresh from Didit
          </button>
        ) : null}
      </PageHeader>
      {error ? (
        <p className={styles.error} role="alert">
          {error}
        </p>
      ) : null}
      {workflows === null ? (
        <p className={styles.muted}>Loading…</p>
      ) : workflows.length === 0 ? (
        <EmptyState title="No workflows known yet">
          <p>Didit workflows appear here once they are synced, with their review and decline thresholds.</p>
        </EmptyState>
      ) : (
        <WorkflowTable workflows={workflows} />
      )}
    </>
  );
}
