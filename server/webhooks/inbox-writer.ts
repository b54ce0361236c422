import type pg from 'pg';
import { isDatabaseUnavailable } from '../errors.ts';
import { INBOX_SHARDS, jobs, jobSpec } from '../worker/jobs.ts';

/**
 * The webhook inbox's write path, with group commit: concurrent deliveries are queued and
 * written together, one multi-row `INSERT ... ON CONFLICT (dedupe_key) DO NOTHING` per batch,
 * which also wakes the worker in the same statement (`graphile_worker.add_jobs`, one job per
 * shard of sessions touched, so a burst coalesces into a few job upserts). Each caller's promise settles only after its
 * batch has committed, so a 2xx always means the row is durable.
 *
 * At low load a batch holds one row and nothing waits; under load, rows arriving while
 * `maxInFlight` batches are committing accumulate for the next batch (no timers involved).
 */

export interface InboxRow {
  dedupeKey: string;
  webhookType: string;
  sessionId: string | null;
  status: string | null;
  eventTimestamp: Date;
  eventId: string | null;
  signatureVariant: 'v2' | 'v1';
  isTest: boolean;
  /** The body as JSON text (stored as jsonb), with anything jsonb refuses replaced. */
  payloadJson: string;
  /** The signed bytes, when `payloadJson` is not them (see `storable-body.ts`); else null. */
  rawBody: Buffer | null;
  /** false: stored for the record and marked processed at once (e.g. unknown webhook types). */
  actionable: boolean;
}

export interface InboxWriteResult {
  id: number | null;
  duplicate: boolean;
}

export interface InboxWriterOptions {
  maxBatch?: number;
  maxInFlight?: number;
  onBatch?: (size: number) => void;
}

interface Pending {
  row: InboxRow;
  resolve: (result: InboxWriteResult) => void;
  reject: (error: unknown) => void;
}

/** The drain job of each shard (`jobs.drainInbox`), indexed by shard, for the insert to pick from. */
const drainJobSpecs = JSON.stringify(Array.from({ length: INBOX_SHARDS }, (_, shard) => jobSpec(jobs.drainInbox, { shard })));

const insertSql = `
with input as (
  select * from unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::timestamptz[], $6::text[], $7::text[],
                       $8::boolean[], $9::text[], $10::boolean[], $11::bytea[])
    as t(dedupe_key, webhook_type, session_id, status, event_timestamp, event_id, signature_variant, is_test, payload, actionable,
         raw_body)
), inserted as (
  insert into webhook_event
    (dedupe_key, webhook_type, session_id, status, event_timestamp, event_id, signature_variant, is_test, payload, raw_body,
     processed_at)
  select dedupe_key, webhook_type, session_id, status, event_timestamp, event_id, signature_variant, is_test, payload::jsonb,
         raw_body, case when actionable then null else now() end
    from input
   order by dedupe_key
  on conflict (dedupe_key) do nothing
  returning id, dedupe_key, session_id, processed_at
)
select inserted.id, inserted.dedupe_key,
       (select count(*) from graphile_worker.add_jobs(
          coalesce((select array_agg(json_populate_record(null::graphile_worker.job_spec, $12::json -> w.shard) order by w.shard)
                      from (select distinct abs(hashtext(session_id::text)) % ${INBOX_SHARDS} as shard
                              from inserted where session_id is not null and processed_at is null) w),
                   '{}'),
          false)) as woken
  from inserted`;

export class InboxWriter {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: InboxWriterOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 200;
    this.maxInFlight = options.maxInFlight ?? 2;
  }

  write(row: InboxRow): Promise<InboxWriteResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      void this.flush(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async flush(batch: Pending[]): Promise<void> {
    this.options.onBatch?.(batch.length);
    try {
      const inserted = await this.insert(batch.map((p) => p.row));
      settle(batch, inserted);
    } catch (error) {
      if (batch.length === 1 || isDatabaseUnavailable(error)) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      // Something in one row (say a body jsonb refuses): write the rows one by one so the
      // others are not refused with it.
      for (const pending of batch) {
        try {
          settle([pending], await this.insert([pending.row]));
        } catch (rowError) {
          pending.reject(rowError);
        }
      }
    }
  }

  /** Returns the ids of the rows this batch inserted, by dedupe key. */
  private async insert(rows: InboxRow[]): Promise<Map<string, number>> {
    // One row per key per statement: ON CONFLICT cannot see rows of its own statement.
    const unique = new Map<string, InboxRow>();
    for (const row of rows) if (!unique.has(row.dedupeKey)) unique.set(row.dedupeKey, row);
    const list = [...unique.values()];
    const result = await this.pool.query<{ id: number; dedupe_key: string }>(insertSql, [
      list.map((r) => r.dedupeKey),
      list.map((r) => r.webhookType),
      list.map((r) => r.sessionId),
      list.map((r) => r.status),
      list.map((r) => r.eventTimestamp.toISOString()),
      list.map((r) => r.eventId),
      list.map((r) => r.signatureVariant),
      list.map((r) => r.isTest),
      list.map((r) => r.payloadJson),
      list.map((r) => r.actionable),
      list.map((r) => r.rawBody),
      drainJobSpecs,
    ]);
    return new Map(result.rows.map((r) => [r.dedupe_key, Number(r.id)]));
  }
}

function settle(batch: Pending[], inserted: Map<string, number>): void {
  const claimed = new Set<string>();
  for (const pending of batch) {
    const key = pending.row.dedupeKey;
    const id = inserted.get(key);
    if (id !== undefined && !claimed.has(key)) {
      claimed.add(key);
      pending.resolve({ id, duplicate: false });
    } else {
      pending.resolve({ id: null, duplicate: true });
    }
  }
}
