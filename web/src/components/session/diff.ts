import type { SessionDetail, TimelineEntry } from '../../../../server/contract/review.ts';

function describeEntry(entry: TimelineEntry): string {
  if (entry.source === 'didit') return `Didit set the status to ${entry.status}`;
  const verb = {
    claim: 'claimed it',
    release: 'released it',
    approve: 'approved it',
    decline: 'declined it',
    note: 'added a note',
    escalate: 'escalated it to a lead',
    de_escalate: 'returned it to the analysts’ queue',
    resubmit: 'asked the user to try again',
    decision_undone: 'undid the decision',
    second_review: 'gave a second review',
    second_review_resolved: 'settled the second review',
  }[entry.kind];
  return `${entry.actor} ${verb}${entry.reasonLabel ? ` (${entry.reasonLabel})` : ''}`;
}

const entryKey = (entry: TimelineEntry) => JSON.stringify(entry);

/** What changed between the session the analyst saw and the fresh one a 409 returned, in words. */
export function describeChanges(before: SessionDetail, after: SessionDetail): string[] {
  const changes: string[] = [];
  if (before.status !== after.status) changes.push(`Status: ${before.status} → ${after.status}`);
  if (after.decisionSource === 'outside' && before.decisionSource !== 'outside')
    changes.push('Decided outside the console (in Didit)');
  const claimLabel = (s: SessionDetail) => (s.claim ? s.claim.label : 'nobody');
  if (claimLabel(before) !== claimLabel(after)) changes.push(`Claimed by: ${claimLabel(before)} → ${claimLabel(after)}`);
  if (before.pushState !== after.pushState)
    changes.push(`Push to Didit: ${before.pushState ?? 'none'} → ${after.pushState ?? 'none'}`);
  const seen = new Set(before.timeline.map(entryKey));
  for (const entry of after.timeline) if (!seen.has(entryKey(entry))) changes.push(describeEntry(entry));
  if (changes.length === 0 && before.version !== after.version)
    changes.push(`The session was updated (version ${before.version} → ${after.version})`);
  return changes;
}

export { describeEntry };
