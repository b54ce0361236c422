import { Link } from 'react-router';
import { EmptyState } from '../components/layout/EmptyState.tsx';

export function Component() {
  return (
    <EmptyState title="Page not found">
      <p>
        There is nothing at this address. <Link to="/queue">Go to the queue</Link>.
      </p>
    </EmptyState>
  );
}
