import type { Transaction } from 'kysely';
import { appendAudit } from '../audit/audit.repository.ts';
import { can, type Actor } from '../auth/rbac.ts';
import {
  SAVED_VIEWS_MAX_PER_PERSON,
  type SavedView,
  type SavedViewFilters,
  type SavedViewList,
} from '../contract/saved-views.ts';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { RequestOrigin } from '../http/request-origin.ts';
import {
  countOwnedViews,
  deleteView,
  findOwnedViewByName,
  findViewById,
  insertView,
  listVisibleViews,
  lockOwner,
  lockViewById,
  setViewShared,
  updateView,
  type SavedViewRow,
} from './saved-views.repository.ts';

/**
 * Saved queue views (issue 20): the rules.
 *
 * - A person sees their own views and the ones shared with the team; anyone else's private view
 *   does not exist for them (404, never 403, so ids do not reveal what others keep).
 * - Only the owner renames a view or changes its filters, shared or not.
 * - Leads (`queue.views.share`) share their own views and unshare any shared view; a lead may
 *   also delete a shared view (the team's list is theirs to keep tidy). Otherwise only the owner
 *   deletes. Someone else's shared view answers 403 to what the caller may not do with it.
 * - Views belong to people: API tokens list the shared views and change nothing.
 * - Every change is audited in the same transaction (`queue_view.*`); a request that changes
 *   nothing (same name and filters, already shared) answers the view and writes nothing.
 */

export interface SavedViewChange {
  name?: string;
  filters?: SavedViewFilters;
}

const targetType = 'queue_view';

function personOf(actor: Actor, action: string): string {
  if (actor.kind !== 'user') {
    throw new AppError(403, 'forbidden', `Only a signed-in person can ${action}; API tokens cannot.`);
  }
  return actor.id;
}

function present(row: SavedViewRow, actor: Actor): SavedView {
  const mine = actor.kind === 'user' && row.owner_id === actor.id;
  const lead = actor.kind === 'user' && can(actor.role, 'queue.views.share');
  return {
    id: row.id,
    name: row.name,
    filters: row.filters,
    owner: row.owner_label,
    mine,
    shared: row.shared,
    sharedBy: row.shared ? row.shared_by_label : null,
    sharedAt: row.shared ? (row.shared_at?.toISOString() ?? null) : null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    allowed: {
      edit: mine && can(actor.role, 'queue.views.save'),
      delete: (mine && can(actor.role, 'queue.views.save')) || (row.shared && lead),
      share: lead && (mine || row.shared),
    },
  };
}

const notFound = (id: number) => new AppError(404, 'not_found', `No saved view ${id}.`);

/** The view as the caller may see it: theirs or shared, else 404. */
function visible(row: SavedViewRow | undefined, actor: Actor, id: number): SavedViewRow {
  if (!row) throw notFound(id);
  const mine = actor.kind === 'user' && row.owner_id === actor.id;
  if (!mine && !row.shared) throw notFound(id);
  return row;
}

const sameFilters = (a: unknown, b: unknown) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
function sortKeys(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, inner]) => [key, sortKeys(inner)]),
  );
}

function nameTaken(name: string): AppError {
  return new AppError(409, 'view_name_taken', `You already have a view named "${name}"; choose another name.`);
}

/** A unique-index violation is the same answer as the check before it (belt and braces). */
async function uniqueName<T>(name: string, write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if ((error as { code?: unknown }).code === '23505') throw nameTaken(name);
    throw error;
  }
}

/** Reads: the caller's list, one view. */
export async function listSavedViews(db: Database, actor: Actor): Promise<SavedViewList> {
  const rows = await listVisibleViews(db, actor.kind === 'user' ? actor.id : null);
  return { views: rows.map((row) => present(row, actor)), maxPerPerson: SAVED_VIEWS_MAX_PER_PERSON };
}

/**
 * One view as the caller sees it. `afterUnshare`: the caller (a lead) has just made someone
 * else's view private again, and gets its final state though it is no longer theirs to see.
 */
export async function loadSavedView(
  db: Database | Transaction<DB>,
  actor: Actor,
  id: number,
  { afterUnshare = false } = {},
): Promise<SavedView> {
  const row = await findViewById(db, id);
  return present(afterUnshare && row ? row : visible(row, actor, id), actor);
}

/** Writes, each in the caller's transaction (opened by the route). */
export function savedViewsService(trx: Transaction<DB>, now: Date) {
  return {
    async create(actor: Actor, input: { name: string; filters: SavedViewFilters }, origin: RequestOrigin): Promise<number> {
      const ownerId = personOf(actor, 'save a view');
      if (!(await lockOwner(trx, ownerId))) throw new AppError(403, 'forbidden', 'Sign in again to save views.');
      if ((await countOwnedViews(trx, ownerId)) >= SAVED_VIEWS_MAX_PER_PERSON) {
        throw new AppError(
          409,
          'view_limit_reached',
          `You have ${SAVED_VIEWS_MAX_PER_PERSON} saved views, the most one person may keep; delete one first.`,
          { max: SAVED_VIEWS_MAX_PER_PERSON },
        );
      }
      if (await findOwnedViewByName(trx, ownerId, input.name)) throw nameTaken(input.name);
      const id = await uniqueName(input.name, insertView(trx, { ownerId, name: input.name, filters: input.filters, now }));
      await appendAudit(trx, {
        actor,
        action: 'queue_view.saved',
        targetType,
        targetId: String(id),
        ...origin,
        details: { name: input.name, filters: input.filters },
      });
      return id;
    },

    async update(actor: Actor, id: number, change: SavedViewChange, origin: RequestOrigin): Promise<void> {
      const ownerId = personOf(actor, 'change a view');
      await lockOwner(trx, ownerId);
      const row = visible(await lockViewById(trx, id), actor, id);
      if (row.owner_id !== ownerId) throw new AppError(403, 'forbidden', 'Only its owner can change a view.');
      const renamed = change.name !== undefined && change.name !== row.name;
      const refiltered = change.filters !== undefined && !sameFilters(change.filters, row.filters);
      if (!renamed && !refiltered) return;
      if (renamed && change.name && (await findOwnedViewByName(trx, ownerId, change.name, id))) throw nameTaken(change.name);
      await uniqueName(
        change.name ?? row.name,
        updateView(trx, id, {
          ...(renamed ? { name: change.name } : {}),
          ...(refiltered ? { filters: change.filters } : {}),
          now,
        }),
      );
      await appendAudit(trx, {
        actor,
        action: 'queue_view.updated',
        targetType,
        targetId: String(id),
        ...origin,
        details: {
          name: renamed ? change.name : row.name,
          shared: row.shared,
          ...(renamed ? { renamedFrom: row.name } : {}),
          ...(refiltered ? { filtersFrom: row.filters, filters: change.filters } : {}),
        },
      });
    },

    async setShared(actor: Actor, id: number, shared: boolean, origin: RequestOrigin): Promise<void> {
      const personId = personOf(actor, 'share a view');
      const row = visible(await lockViewById(trx, id), actor, id);
      if (row.shared === shared) return;
      if (shared && row.owner_id !== personId) throw new AppError(403, 'forbidden', 'Leads share their own views only.');
      await setViewShared(trx, id, shared ? { by: personId, at: now } : null);
      await appendAudit(trx, {
        actor,
        action: shared ? 'queue_view.shared' : 'queue_view.unshared',
        targetType,
        targetId: String(id),
        ...origin,
        details: { name: row.name, owner: row.owner_label, ...(shared ? {} : { sharedBy: row.shared_by_label }) },
      });
    },

    async remove(actor: Actor, id: number, origin: RequestOrigin): Promise<void> {
      const personId = personOf(actor, 'delete a view');
      const row = visible(await lockViewById(trx, id), actor, id);
      const mine = row.owner_id === personId;
      const mayDelete = mine ? can(actor.role, 'queue.views.save') : row.shared && can(actor.role, 'queue.views.share');
      if (!mayDelete) {
        throw new AppError(
          403,
          'forbidden',
          mine ? 'Your role cannot delete views.' : 'Only its owner or a lead can delete a shared view.',
        );
      }
      await deleteView(trx, id);
      await appendAudit(trx, {
        actor,
        action: 'queue_view.deleted',
        targetType,
        targetId: String(id),
        ...origin,
        details: { name: row.name, owner: row.owner_label, shared: row.shared, filters: row.filters },
      });
    },
  };
}
