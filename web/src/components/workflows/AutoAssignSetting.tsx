import { setAutoAssign } from '../../api/assignment.ts';
import { WorkflowSwitch } from './WorkflowSwitch.tsx';

/** What the setting means, in words (the read-only form and the switch's description). */
export function autoAssignText(autoAssign: boolean): string {
  return autoAssign
    ? 'New In Review sessions are assigned to the available analyst with the fewest open assignments (under their cap).'
    : 'Sessions wait in the queue for whoever takes them: nobody is assigned.';
}

/**
 * Whether this workflow's new In Review sessions are assigned automatically (ADR 0020; default
 * no). Leads switch it here, saved at once and audited; everyone else reads what it is.
 */
export function AutoAssignSetting({
  workflowId,
  autoAssign,
  canChange,
  onChanged,
}: {
  workflowId: string;
  autoAssign: boolean;
  canChange: boolean;
  onChanged: () => void;
}) {
  return (
    <WorkflowSwitch
      label="Auto-assign new In Review sessions"
      value={autoAssign}
      describe={autoAssignText}
      save={(on) => setAutoAssign(workflowId, on)}
      canChange={canChange}
      onChanged={onChanged}
    />
  );
}
