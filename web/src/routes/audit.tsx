import { EmptyState } from '../components/layout/EmptyState.tsx';
import { PageHeader } from '../components/layout/PageHeader.tsx';

export function Component() {
  return (
    <>
      <PageHeader title="Audit trail" />
      <EmptyState title="Nothing recorded yet">
        <p>Sign-ins, decisions, threshold changes and evidence views are recorded here.</p>
      </EmptyState>
    </>
  );
}
