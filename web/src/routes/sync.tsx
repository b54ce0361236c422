import { SyncView } from '../components/sync/SyncView.tsx';
import { useCapability } from '../hooks/use-capability.ts';

/** Sync health: is the copy of Didit's truth keeping up? Polls `/api/sync/status` every 10 s while the tab is visible. */
export function Component() {
  const canReplay = useCapability('webhook.replay');
  const canRequeue = useCapability('push.requeue');
  return <SyncView canReplay={canReplay} canRequeue={canRequeue} />;
}
