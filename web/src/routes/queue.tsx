import { EmptyState } from '../components/layout/EmptyState.tsx';
import { PageHeader } from '../components/layout/PageHeader.tsx';

export function Component() {
  return (
    <>
      <PageHeader title="Review queue" />
      <EmptyState title="No sessions waiting for review">
        <p>Sessions that Didit sends to In Review appear here as soon as their webhook arrives.</p>
      </EmptyState>
    </>
  );
}
