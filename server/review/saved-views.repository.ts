import { sql, type Selectable, type Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB, SavedQueueViewTable } from '../db/schema.ts';

/** Kysely queries of saved queue views (issue 20). The rules are in `saved-views.service.ts`. */

export type SavedViewRow = Selectable<SavedQueueViewTable> & {
  owner_label: string;
  shared_by_label: string | null;
};

/** How a person is named on a view: their email, as the audit log names them. */
const personLabel = (alias: 'owner' | 'sharer') =>
  sql<string>`coalesce(${sql.ref(`${alias}.email`)}, ${sql.ref(`${alias}.display_name`)}, ${sql.ref(`${alias}.subject`)})`;

function selectViews(db: Database | Transaction<DB>) {
  return db
    .selectFrom('saved_queue_view as v')
    .innerJoin('app_user as owner', 'owner.id', 'v.owner_id')
    .leftJoin('app_user as sharer', 'sharer.id', 'v.shared_by_id')
    .selectAll('v')
    .select([personLabel('owner').as('owner_label'), sql<string | null>`${personLabel('sharer')}`.as('shared_by_label')]);
}

/**
 * The views a person sees: their own, then those shared with the team, each group by name.
 * `ownerId` null (an API token) sees the shared ones only.
 */
export async function listVisibleViews(db: Database, ownerId: string | null): Promise<SavedViewRow[]> {
  let query = selectViews(db);
  query = ownerId
    ? query.where((eb) => eb.or([eb('v.owner_id', '=', ownerId), eb('v.shared', '=', true)]))
    : query.where('v.shared', '=', true);
  return query
    .orderBy(sql`coalesce(${sql.ref('v.owner_id')} = ${ownerId}::uuid, false)`, 'desc')
    .orderBy(sql`lower(${sql.ref('v.name')})`)
    .orderBy('v.id')
    .execute();
}

/** One view with its people's labels, locked for a change (or undefined). */
export async function lockViewById(trx: Transaction<DB>, id: number): Promise<SavedViewRow | undefined> {
  return selectViews(trx).where('v.id', '=', id).forUpdate('v').executeTakeFirst();
}

export async function findViewById(db: Database | Transaction<DB>, id: number): Promise<SavedViewRow | undefined> {
  return selectViews(db).where('v.id', '=', id).executeTakeFirst();
}

/**
 * Locks the owner's `app_user` row: a person's creates and renames run one at a time, so the
 * per-person limit and the name check see every other change of theirs. False when no such person.
 */
export async function lockOwner(trx: Transaction<DB>, ownerId: string): Promise<boolean> {
  const row = await trx.selectFrom('app_user').select('id').where('id', '=', ownerId).forUpdate().executeTakeFirst();
  return row !== undefined;
}

export async function countOwnedViews(trx: Transaction<DB>, ownerId: string): Promise<number> {
  const row = await trx
    .selectFrom('saved_queue_view')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('owner_id', '=', ownerId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The owner's view with this name (case-insensitive), other than `exceptId`. */
export async function findOwnedViewByName(
  trx: Transaction<DB>,
  ownerId: string,
  name: string,
  exceptId?: number,
): Promise<{ id: number } | undefined> {
  let query = trx
    .selectFrom('saved_queue_view')
    .select('id')
    .where('owner_id', '=', ownerId)
    .where(sql`lower(name)`, '=', name.toLowerCase());
  if (exceptId !== undefined) query = query.where('id', '<>', exceptId);
  return query.executeTakeFirst();
}

export async function insertView(
  trx: Transaction<DB>,
  values: { ownerId: string; name: string; filters: Record<string, unknown>; now: Date },
): Promise<number> {
  const row = await trx
    .insertInto('saved_queue_view')
    .values({
      owner_id: values.ownerId,
      name: values.name,
      filters: JSON.stringify(values.filters),
      created_at: values.now,
      updated_at: values.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateView(
  trx: Transaction<DB>,
  id: number,
  values: { name?: string; filters?: Record<string, unknown>; now: Date },
): Promise<void> {
  await trx
    .updateTable('saved_queue_view')
    .set({
      ...(values.name === undefined ? {} : { name: values.name }),
      ...(values.filters === undefined ? {} : { filters: JSON.stringify(values.filters) }),
      updated_at: values.now,
    })
    .where('id', '=', id)
    .execute();
}

export async function setViewShared(trx: Transaction<DB>, id: number, shared: { by: string; at: Date } | null): Promise<void> {
  await trx
    .updateTable('saved_queue_view')
    .set({ shared: shared !== null, shared_by_id: shared?.by ?? null, shared_at: shared?.at ?? null })
    .where('id', '=', id)
    .execute();
}

export async function deleteView(trx: Transaction<DB>, id: number): Promise<void> {
  await trx.deleteFrom('saved_queue_view').where('id', '=', id).execute();
}
