import { useCan } from '../components/auth/me.ts';
import { EmptyState } from '../components/layout/EmptyState.tsx';
import { PageHeader } from '../components/layout/PageHeader.tsx';
import { SecondReviewList } from '../components/second-review-list/SecondReviewList.tsx';

/** `/second-review`: decisions waiting for a second analyst, and (leads) disagreements to settle; the tab is the URL's. */
export function Component() {
  const allowed = useCan('session.decide');
  const canResolve = useCan('second_review.resolve');
  if (!allowed) {
    return (
      <>
        <PageHeader title="Second review" />
        <EmptyState title="Not available to your role">
          <p>Second reviews are given by analysts and leads.</p>
        </EmptyState>
      </>
    );
  }
  return <SecondReviewList canResolve={canResolve} />;
}
