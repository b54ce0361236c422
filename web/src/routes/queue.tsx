import { QueueRoute } from '../components/queue/QueueRoute.tsx';

/** `/queue`: the URL is the queue's state (filters, sort, page cursor), parsed with the contract's schema. */
export function Component() {
  return <QueueRoute />;
}
