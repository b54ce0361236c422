import type { Kysely } from 'kysely';

// Frozen once landed: later changes go in a new migration.

/**
 * Evidence packs (issue 20): `workflow.evidence_pack_images` says whether a session's evidence
 * pack (the PDF for auditors) embeds the selfie and portrait themselves. Default no: the pack
 * carries the images' SHA-256 hashes only. A lead turns it on per workflow.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('workflow')
    .addColumn('evidence_pack_images', 'boolean', (col) => col.notNull().defaultTo(false))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('workflow').dropColumn('evidence_pack_images').execute();
}
