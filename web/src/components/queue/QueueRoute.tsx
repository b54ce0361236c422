import { useLocation, useNavigate, useSearchParams } from 'react-router';
import type { QueueQuery } from '../../../../server/contract/review.ts';
import { QueueView } from './QueueView.tsx';
import { parseQueueSearch, queueQueryToSearch } from './queue-url.ts';

/** The queue bound to the URL: parse it with the contract's schema, write changes back to it. */
export function QueueRoute({ pollMs }: { pollMs?: number }) {
  const [searchParams] = useSearchParams();
  const navigate = useNavigate();
  const location = useLocation();
  const { query, ignored } = parseQueueSearch(searchParams);
  const notice = (location.state as { notice?: unknown } | null)?.notice;

  const onQueryChange = (next: QueueQuery, options: { replace?: boolean } = {}) => {
    const search = queueQueryToSearch(next);
    void navigate({ pathname: '/queue', search: search ? `?${search}` : '' }, { replace: options.replace === true });
  };

  return (
    <QueueView
      query={query}
      ignored={ignored}
      onQueryChange={onQueryChange}
      notice={typeof notice === 'string' ? notice : null}
      pollMs={pollMs}
    />
  );
}
