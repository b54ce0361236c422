import { setViewersMayReveal } from '../../api/thresholds.ts';
import { WorkflowSwitch } from './WorkflowSwitch.tsx';

/** What the setting means for viewers, in words (the read-only form and the switch's description). */
export function viewerRevealText(viewersMayReveal: boolean): string {
  return viewersMayReveal
    ? 'Viewers may reveal faces in this workflow (blurred until they do; each reveal is audited).'
    : 'Viewers see scores and warnings only in this workflow: faces are hidden from them.';
}

/**
 * Whether viewers may reveal faces in this workflow's sessions (issue 19; default no). Leads
 * switch it here, saved at once and audited; everyone else reads what it is.
 */
export function ViewerRevealSetting({
  workflowId,
  viewersMayReveal,
  canChange,
  onChanged,
}: {
  workflowId: string;
  viewersMayReveal: boolean;
  canChange: boolean;
  onChanged: () => void;
}) {
  return (
    <WorkflowSwitch
      label="Viewers may reveal faces"
      value={viewersMayReveal}
      describe={viewerRevealText}
      save={(allow) => setViewersMayReveal(workflowId, allow)}
      canChange={canChange}
      onChanged={onChanged}
    />
  );
}
