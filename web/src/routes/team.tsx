import { useCan } from '../components/auth/me.ts';
import { EmptyState } from '../components/layout/EmptyState.tsx';
import { PageHeader } from '../components/layout/PageHeader.tsx';
import { TeamView } from '../components/team/TeamView.tsx';

/** `/team`: who takes assigned work, their load and caps (ADR 0020). Leads and admins; the server enforces it. */
export function Component() {
  const allowed = useCan('claim.release_others');
  return (
    <>
      <PageHeader title="Team" />
      {allowed ? (
        <TeamView />
      ) : (
        <EmptyState title="Not available to your role">
          <p>Only leads and admins see the team.</p>
        </EmptyState>
      )}
    </>
  );
}
