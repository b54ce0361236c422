import { sql } from 'kysely';
import { csvLine } from '../http/csv.ts';
import type { Database } from '../db/database.ts';
import type { AuditEntryView, AuditQuery } from '../contract/audit.ts';

/**
 * Reads the audit log newest first. Ids are assigned under the append lock, so id order is chain
 * order and time order: the keyset cursor is simply the last id seen.
 */
export async function listAuditEntries(
  db: Database,
  filters: Omit<AuditQuery, 'limit' | 'format' | 'cursor'>,
  page: { beforeId?: number; limit: number },
): Promise<AuditEntryView[]> {
  let query = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(page.limit);
  if (page.beforeId !== undefined) query = query.where('id', '<', page.beforeId);
  if (filters.actor) {
    const actor = filters.actor;
    query = query.where((eb) => eb.or([eb('actor_label', '=', actor), eb('actor_id', '=', actor)]));
  }
  if (filters.action) {
    query = filters.action.endsWith('.*')
      ? query.where('action', 'like', `${escapeLike(filters.action.slice(0, -1))}%`)
      : query.where('action', '=', filters.action);
  }
  if (filters.targetType) query = query.where('target_type', '=', filters.targetType);
  if (filters.targetId) query = query.where('target_id', '=', filters.targetId);
  // A reveal's purpose of access (server/review/reveal.ts); only evidence views carry one.
  if (filters.purpose) query = query.where(sql<string>`details->>'purpose'`, '=', filters.purpose);
  if (filters.from) query = query.where('occurred_at', '>=', new Date(filters.from));
  if (filters.to) query = query.where('occurred_at', '<', new Date(filters.to));
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    occurredAt: row.occurred_at.toISOString(),
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorLabel: row.actor_label,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    ip: row.ip,
    details: row.details,
  }));
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const csvColumns = [
  'id',
  'occurred_at',
  'actor_type',
  'actor_id',
  'actor',
  'action',
  'target_type',
  'target_id',
  'ip',
  'details',
];

export const auditCsvHeader = `${csvColumns.join(',')}\r\n`;

/** One CSV line; formula-like cells are neutralised (server/http/csv.ts). */
export function auditCsvLine(entry: AuditEntryView): string {
  return csvLine([
    String(entry.id),
    entry.occurredAt,
    entry.actorType,
    entry.actorId ?? '',
    entry.actorLabel,
    entry.action,
    entry.targetType ?? '',
    entry.targetId ?? '',
    entry.ip ?? '',
    JSON.stringify(entry.details),
  ]);
}
