import type { Migration } from 'kysely';
import * as createSyncTables from './20261125T000000-create-sync-tables.ts';
import * as createAuditAndWorkerTables from './20261125T000100-create-audit-and-worker-tables.ts';

/**
 * Every migration, in the order it runs. Explicit rather than read from the directory, so the
 * bundle, the tests and the CLI agree on the list. Names sort in the same order as listed.
 */
export const migrations: Record<string, Migration> = {
  '20261125T000000-create-sync-tables': createSyncTables,
  '20261125T000100-create-audit-and-worker-tables': createAuditAndWorkerTables,
};
