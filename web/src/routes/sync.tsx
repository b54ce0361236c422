import { EmptyState } from '../components/layout/EmptyState.tsx';
import { PageHeader } from '../components/layout/PageHeader.tsx';

export function Component() {
  return (
    <>
      <PageHeader title="Sync health" />
      <EmptyState title="No webhooks received yet">
        <p>Deliveries from Didit, the inbox backlog and reconciliation progress are shown here.</p>
      </EmptyState>
    </>
  );
}
