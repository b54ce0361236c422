import { appendAudit } from '../audit/audit.repository.ts';
import type { Actor } from '../auth/rbac.ts';
import type { ViewerRevealResponse } from '../contract/thresholds-responses.ts';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { RequestOrigin } from '../http/request-origin.ts';

/**
 * Whether viewers may reveal faces in a workflow's sessions (ADR 0016). Default no: a viewer sees
 * scores and warnings only and the server sends them no media links (review/media-view.ts). A
 * lead turns it on per workflow; every change is on the audit trail.
 */

/** Sets `workflow.viewers_may_reveal`; audited as `workflow.viewer_reveal_changed` {from, to} when it changes. 404 for an unknown workflow. */
export async function setViewersMayReveal(
  db: Database,
  input: { workflowId: string; viewersMayReveal: boolean; actor: Actor; origin: RequestOrigin },
): Promise<ViewerRevealResponse> {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('workflow')
      .select('viewers_may_reveal')
      .where('id', '=', input.workflowId)
      .forUpdate()
      .executeTakeFirst();
    if (!before) throw new AppError(404, 'not_found', `No workflow ${input.workflowId} is known to the console.`);
    const row = await trx
      .updateTable('workflow')
      .set({ viewers_may_reveal: input.viewersMayReveal, updated_at: new Date() })
      .where('id', '=', input.workflowId)
      .returning(['id', 'label', 'viewers_may_reveal'])
      .executeTakeFirstOrThrow();
    if (before.viewers_may_reveal !== input.viewersMayReveal) {
      await appendAudit(trx, {
        actor: input.actor,
        action: 'workflow.viewer_reveal_changed',
        targetType: 'workflow',
        targetId: input.workflowId,
        ...input.origin,
        details: { from: before.viewers_may_reveal, to: input.viewersMayReveal },
      });
    }
    return { id: row.id, label: row.label, viewersMayReveal: row.viewers_may_reveal };
  });
}
