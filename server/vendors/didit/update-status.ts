import { z } from 'zod';

/**
 * The body of `PATCH /v3/session/{id}/update-status/` (docs/didit-contract.md §11), exactly as
 * documented: strict, so a field Didit does not document never leaves the console.
 */
export const diditUpdateStatusBodySchema = z
  .object({
    new_status: z.enum(['Approved', 'Declined', 'Resubmitted']),
    comment: z.string().max(10_000).optional(),
    send_email: z.boolean().optional(),
    email_address: z.email().optional(),
    email_language: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]{2,4})?$/i)
      .optional(),
    nodes_to_resubmit: z
      .array(z.object({ node_id: z.string().min(1).max(200), feature: z.string().min(1).max(64) }).strict())
      .min(1)
      .optional(),
  })
  .strict()
  .refine((body) => !body.send_email || body.email_address !== undefined, {
    path: ['email_address'],
    message: 'required when send_email is true',
  })
  .refine((body) => (body.new_status === 'Resubmitted') === (body.nodes_to_resubmit !== undefined), {
    path: ['nodes_to_resubmit'],
    message: 'required for Resubmitted, and only there',
  });
export type DiditUpdateStatusBody = z.infer<typeof diditUpdateStatusBodySchema>;
export type DiditNodeToResubmit = NonNullable<DiditUpdateStatusBody['nodes_to_resubmit']>[number];

const livenessBlock = z.looseObject({ node_id: z.string().min(1).max(200).nullable().optional() });
const decisionNodes = z.looseObject({
  liveness_checks: z.array(livenessBlock).nullable().optional(),
  liveness: livenessBlock.nullable().optional(),
});

/**
 * The liveness step of a session, as `nodes_to_resubmit` names it: the node id of its liveness
 * block in Didit's decision (`liveness_checks[].node_id`, or the legacy `liveness.node_id`,
 * docs/didit-contract.md §10), with the feature `LIVENESS`. Empty when the decision names none:
 * the console then cannot ask for the step to be redone.
 */
export function livenessNodesToResubmit(decision: unknown): DiditNodeToResubmit[] {
  const parsed = decisionNodes.safeParse(decision);
  if (!parsed.success) return [];
  const blocks = [...(parsed.data.liveness_checks ?? []), ...(parsed.data.liveness ? [parsed.data.liveness] : [])];
  const ids = [...new Set(blocks.map((block) => block.node_id).filter((id): id is string => Boolean(id)))];
  return ids.map((node_id) => ({ node_id, feature: 'LIVENESS' }));
}
