import { sql, type Kysely, type SqlBool, type Transaction } from 'kysely';
import { appendAudit } from '../audit/audit.repository.ts';
import type { Config } from '../config.ts';
import { FINAL_STATUSES, type HeldLocally } from '../contract/privacy.ts';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { removePersonalData, type RemovalCounts } from './personal-data.ts';
import { vendorDataHash } from './pseudonym.ts';

/**
 * Retention (ADR 0016): RETENTION_DAYS after a session's final decision, its personal data goes
 * through `removePersonalData` (the decision JSON, media links, `vendor_data`, the bodies of its
 * applied deliveries, its quarantined deliveries and, with RETENTION_NOTES=remove, notes' text).
 * The worker runs it hourly (`retention.tasks.ts`); `npm run cli -- retention [--dry-run]` on demand.
 *
 * A session's final date is `decided_at`, or Didit's last word (`event_at`) for one that ended
 * without a decision (abandoned, expired). A session whose analyst decision is still on its way to
 * Didit (`review_push_state = 'pending'`) waits: the push reads it. Sessions are taken in batches,
 * each its own transaction, locked with `skip locked` so two workers share the work.
 *
 * Besides the sessions: quarantined deliveries last received before the cutoff (an authentic body
 * that could not be stored may still name a person), and `vendor_data_hash` for rows stored before
 * the hash existed (the key never enters the database, so only the application can fill it).
 */

/** What retention needs from the composition root (an `AppContext` satisfies it). */
export interface RetentionDeps {
  db: Database;
  logger: Logger;
  config: { privacy: Pick<Config['privacy'], 'retentionDays' | 'removeNotes'> };
}

export interface RetentionOptions {
  /** The clock (tests move it); default the time of the call. */
  now?: Date;
  /** Select and count only: nothing is changed or audited. */
  dryRun?: boolean;
  /** Sessions (and rows) per transaction; default 200. */
  batchSize?: number;
  /** Dry run: how many of the sessions that would go to list; default 20. */
  sampleSize?: number;
  /** Stop between batches once this long has passed (the worker queues the rest); default no limit. */
  maxDurationMs?: number;
  /** Who ran it, for the audit entry. */
  trigger?: 'worker' | 'cli';
}

export interface RetentionCounts {
  /** Sessions whose decision JSON, media links and `vendor_data` went. */
  sessions: number;
  /** Bodies of applied (or parked) webhook deliveries about those sessions. */
  webhookBodies: number;
  /** Quarantined deliveries: of those sessions, or last received before the cutoff. */
  quarantined: number;
  /** Notes' text (RETENTION_NOTES=remove only), also on sessions an earlier pass left them on. */
  notes: number;
  /** Rows given the `vendor_data_hash` they lacked (stored before the hash existed). */
  hashed: number;
}

/** One session that goes, as the dry run lists it. */
export interface RetentionCandidate {
  id: string;
  status: string;
  /** `decided_at`, or `event_at` for a session that ended without a decision. */
  finalAt: Date;
  /** What of it is held now and goes (notes only with RETENTION_NOTES=remove). */
  holds: HeldLocally;
}

export interface RetentionReport {
  dryRun: boolean;
  /** Sessions whose final date is before this lose their personal data. */
  cutoff: Date;
  retentionDays: number;
  removeNotes: boolean;
  /** Removed (or, in a dry run, that would be). */
  counts: RetentionCounts;
  /** Dry run: the first sessions that would go, oldest first (`counts.sessions` says how many in all). */
  sample: RetentionCandidate[];
  /** False when `maxDurationMs` stopped the run with work left. */
  complete: boolean;
}

const DAY_MS = 86_400_000;
const DEFAULT_BATCH_SIZE = 200;
const DEFAULT_SAMPLE_SIZE = 20;

type Db = Kysely<DB> | Transaction<DB>;

/** RETENTION_DAYS before `now`. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

// Written exactly as verification_session_retention_idx (migration 20261202T000000): its
// expression and its predicate, with the statuses as literals, so the planner can use it.
const finalAt = sql<Date>`coalesce(verification_session.decided_at, verification_session.event_at)`;
const isFinal = sql<SqlBool>`verification_session.status in (${sql.join(FINAL_STATUSES.map((status) => sql.lit(status)))})`;
const hasNote = sql<SqlBool>`exists (select 1 from review_event
                                      where review_event.session_id = verification_session.id and review_event.note is not null)`;
const holdsDecision = sql<SqlBool>`verification_session.decision is not null`;
const holdsMedia = sql<SqlBool>`verification_session.media <> '{}'::jsonb`;
const holdsVendorData = sql<SqlBool>`verification_session.vendor_data is not null`;

/**
 * Final sessions past the cutoff that still hold personal data, their decision not on its way to
 * Didit. `personal_data_removed_at is null` is the index's predicate, and it is exact:
 * `applySessionState` clears it whenever Didit sends the session's data again, and nothing else
 * writes personal data to a removed session (the media refresh leaves them alone).
 */
export function retentionCandidates(db: Db, cutoff: Date, removeNotes: boolean) {
  return db
    .selectFrom('verification_session')
    .where('verification_session.personal_data_removed_at', 'is', null)
    .where(isFinal)
    .where(finalAt, '<', cutoff)
    .where((eb) => eb.or([holdsDecision, holdsMedia, holdsVendorData, ...(removeNotes ? [hasNote] : [])]))
    .where(sql<SqlBool>`verification_session.review_push_state is distinct from 'pending'`);
}

/**
 * One batch of the run: the oldest `limit` candidates, locked, skipping rows another worker holds.
 * An index scan of verification_session_retention_idx in its order (retention-plan.test.ts).
 */
export function retentionBatch(db: Db, cutoff: Date, removeNotes: boolean, limit: number) {
  return retentionCandidates(db, cutoff, removeNotes)
    .select('verification_session.id')
    .orderBy(finalAt)
    .limit(limit)
    .forUpdate()
    .skipLocked();
}

/**
 * Sessions whose data an earlier pass removed but whose notes' text is still held: retention ran
 * with RETENTION_NOTES=keep then, or a note was written since. Only with RETENTION_NOTES=remove;
 * after the first such pass, few rows of `review_event` still carry a note.
 */
export function sessionsWithLeftoverNotes(db: Db) {
  return db
    .selectFrom('verification_session')
    .where('verification_session.personal_data_removed_at', 'is not', null)
    .where(
      'verification_session.id',
      'in',
      db.selectFrom('review_event').select('review_event.session_id').where('review_event.note', 'is not', null),
    );
}

/** Removes what RETENTION_DAYS says must go (or, with `dryRun`, reports it); see the module comment. */
export async function applyRetention(deps: RetentionDeps, options: RetentionOptions = {}): Promise<RetentionReport> {
  const now = options.now ?? new Date();
  const { retentionDays, removeNotes } = deps.config.privacy;
  const cutoff = retentionCutoff(now, retentionDays);
  const base = { cutoff, retentionDays, removeNotes };
  if (options.dryRun) {
    const [counts, sample] = await Promise.all([
      countRetention(deps.db, cutoff, removeNotes),
      listCandidates(deps.db, cutoff, removeNotes, options.sampleSize ?? DEFAULT_SAMPLE_SIZE),
    ]);
    return { dryRun: true, ...base, counts, sample, complete: true };
  }

  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const started = Date.now();
  const outOfTime = () => options.maxDurationMs !== undefined && Date.now() - started >= options.maxDurationMs;
  const counts: RetentionCounts = { sessions: 0, webhookBodies: 0, quarantined: 0, notes: 0, hashed: 0 };
  const add = (removed: RemovalCounts, sessions: boolean) => {
    if (sessions) counts.sessions += removed.sessions;
    counts.webhookBodies += removed.webhookBodies;
    counts.quarantined += removed.quarantined;
    counts.notes += removed.notes;
  };

  // Each step runs its batches until one comes back short (the rest is locked by another worker,
  // which takes it) or time is up. Hashing first: the removal would otherwise hash its own rows.
  const steps: (() => Promise<number>)[] = [
    async () => {
      const hashed = await hashBatch(deps.db, batchSize);
      counts.hashed += hashed;
      return hashed;
    },
    () =>
      deps.db.transaction().execute(async (trx) => {
        const ids = (await retentionBatch(trx, cutoff, removeNotes, batchSize).execute()).map((row) => row.id);
        add(await removePersonalData(trx, ids, { reason: 'retention', removeNotes, now }), true);
        return ids.length;
      }),
    ...(removeNotes
      ? [
          () =>
            deps.db.transaction().execute(async (trx) => {
              const rows = await sessionsWithLeftoverNotes(trx)
                .select('verification_session.id')
                .limit(batchSize)
                .forUpdate()
                .skipLocked()
                .execute();
              const ids = rows.map((row) => row.id);
              // Their data is gone already; this takes the notes (and any body left behind).
              add(await removePersonalData(trx, ids, { reason: 'retention', removeNotes, now }), false);
              return ids.length;
            }),
        ]
      : []),
    async () => {
      const deleted = await deleteAgedQuarantine(deps.db, cutoff, batchSize);
      counts.quarantined += deleted;
      return deleted;
    },
  ];

  let complete = true;
  try {
    for (const step of steps) {
      while ((await step()) === batchSize) {
        if (outOfTime()) break;
      }
      if (outOfTime()) {
        complete = false;
        break;
      }
    }
  } finally {
    // What committed is on record, even when a later batch failed.
    const removed = counts.sessions + counts.webhookBodies + counts.quarantined + counts.notes > 0;
    if (removed) {
      await appendAudit(deps.db, {
        actor: null,
        action: 'privacy.retention_applied',
        details: { ...counts, cutoff: cutoff.toISOString(), retentionDays, removeNotes, trigger: options.trigger ?? 'worker' },
      });
    }
    // Counts only: never vendor_data, never a link.
    deps.logger.info(
      { ...counts, cutoff: cutoff.toISOString(), retentionDays, removeNotes, complete, durationMs: Date.now() - started },
      removed ? 'retention removed personal data' : 'retention found nothing to remove',
    );
  }
  return { dryRun: false, ...base, counts, sample: [], complete };
}

/** Hashes `vendor_data` of up to `limit` rows stored before the hash existed; returns how many. */
async function hashBatch(db: Database, limit: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    // The predicate of verification_session_unhashed_idx.
    const rows = await trx
      .selectFrom('verification_session')
      .select(['id', 'vendor_data'])
      .where('vendor_data', 'is not', null)
      .where('vendor_data_hash', 'is', null)
      .orderBy('id')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (rows.length === 0) return 0;
    const ids = rows.map((row) => row.id);
    const hashes = rows.map((row) => vendorDataHash(row.vendor_data));
    await sql`update verification_session set vendor_data_hash = v.hash
                from unnest(${ids}::uuid[], ${hashes}::text[]) as v(id, hash)
               where verification_session.id = v.id`.execute(trx);
    return rows.length;
  });
}

/** Deletes up to `limit` quarantined deliveries last received before the cutoff; returns how many. */
async function deleteAgedQuarantine(db: Database, cutoff: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('webhook_quarantine')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('webhook_quarantine')
        .select('id')
        .where('last_received_at', '<', cutoff)
        .orderBy('last_received_at')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** What a run at this cutoff would remove, counted with the run's own selections. */
async function countRetention(db: Database, cutoff: Date, removeNotes: boolean): Promise<RetentionCounts> {
  const candidates = retentionCandidates(db, cutoff, removeNotes).select('verification_session.id');
  // The sessions whose rows a run hands to removePersonalData.
  const touched = removeNotes ? candidates.union(sessionsWithLeftoverNotes(db).select('verification_session.id')) : candidates;
  const count = sql<number>`count(*)::int`.as('count');
  const [sessions, webhookBodies, quarantined, notes, hashed] = await Promise.all([
    db.selectFrom(candidates.as('c')).select(count).executeTakeFirstOrThrow(),
    db
      .selectFrom('webhook_event')
      .select(count)
      .where('session_id', 'in', db.selectFrom(touched.as('t')).select('t.id'))
      .where('payload_removed_at', 'is', null)
      .where((eb) => eb.or([eb('processed_at', 'is not', null), eb('parked_at', 'is not', null)]))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('webhook_quarantine')
      .select(count)
      .where((eb) =>
        eb.or([eb('last_received_at', '<', cutoff), eb('session_id', 'in', db.selectFrom(touched.as('t')).select('t.id'))]),
      )
      .executeTakeFirstOrThrow(),
    removeNotes
      ? db
          .selectFrom('review_event')
          .select(count)
          .where('session_id', 'in', db.selectFrom(touched.as('t')).select('t.id'))
          .where('note', 'is not', null)
          .executeTakeFirstOrThrow()
      : { count: 0 },
    db
      .selectFrom('verification_session')
      .select(count)
      .where('vendor_data', 'is not', null)
      .where('vendor_data_hash', 'is', null)
      .executeTakeFirstOrThrow(),
  ]);
  return {
    sessions: sessions.count,
    webhookBodies: webhookBodies.count,
    quarantined: quarantined.count,
    notes: notes.count,
    hashed: hashed.count,
  };
}

/** The first `limit` sessions a run would take, oldest first, with what each holds. */
async function listCandidates(db: Database, cutoff: Date, removeNotes: boolean, limit: number): Promise<RetentionCandidate[]> {
  if (limit <= 0) return [];
  const rows = await retentionCandidates(db, cutoff, removeNotes)
    .select([
      'verification_session.id',
      'verification_session.status',
      finalAt.as('final_at'),
      holdsDecision.as('decision'),
      holdsMedia.as('media'),
      holdsVendorData.as('vendor_data'),
      (removeNotes ? hasNote : sql<SqlBool>`false`).as('notes'),
    ])
    .orderBy(finalAt)
    .orderBy('verification_session.id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    finalAt: row.final_at,
    holds: {
      decision: Boolean(row.decision),
      mediaLinks: Boolean(row.media),
      vendorData: Boolean(row.vendor_data),
      notes: Boolean(row.notes),
    },
  }));
}
