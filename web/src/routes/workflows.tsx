import { EmptyState } from '../components/layout/EmptyState.tsx';
import { PageHeader } from '../components/layout/PageHeader.tsx';

export function Component() {
  return (
    <>
      <PageHeader title="Workflows" />
      <EmptyState title="No workflows known yet">
        <p>Didit workflows appear here once they are synced, with their review and decline thresholds.</p>
      </EmptyState>
    </>
  );
}
