import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { erasureResponseSchema, erasureStatusSchema, type ErasureStatus } from '../../../server/contract/privacy.ts';
import type { Database } from '../../../server/db/database.ts';
import { pick, type Random } from '../../../server/didit-sandbox/prng.ts';
import { jobs } from '../../../server/worker/jobs.ts';
import { workTheQueue } from '../harness/analysts.ts';
import type { DiditSandbox } from '../harness/didit-sandbox.ts';
import type { ManagedProcess } from '../harness/managed-process.ts';
import { pollUntil } from '../harness/poll.ts';
import { check, conclude, prepare, scopeOf, type Check, type OwnFigure, type Scenario } from '../harness/scenario.ts';
import { runSessionTraffic, trafficCheck, vendorDataOf } from '../harness/session-traffic.ts';
import type { Stack } from '../harness/stack.ts';

/**
 * Erasure on request (issue 19) through a Didit outage and a crash: while Didit's traffic comes
 * in, persons who have sessions at Didit (some the console stored, some it never heard of, their
 * deliveries dropped) are erased, by an admin on the session page and with `cli erase`, while
 * Didit's API answers 503 to everything; a worker running an erasure is killed and restarted, and
 * Didit keeps sending news about the erased sessions. Once Didit is back, every request must
 * complete within the bound, Didit must hold none of their sessions, the console none of their
 * personal data, and nothing that arrived after an erasure may have been stored.
 */

/** How big the scenario is, per profile. */
const sizes = {
  short: { persons: 6, sessions: 80, trafficMs: 40_000, outageMs: 15_000 },
  full: { persons: 30, sessions: 600, trafficMs: 150_000, outageMs: 30_000 },
} as const;

const personTag = 'rel-erasure-person';
const trafficTag = 'rel-erasure-traffic';

/** Scores the workflow (review 70, decline 50) approves, and ones it leaves for review. */
const approvedScores = { liveness: 91, faceMatch: 88 };
const reviewScores = { liveness: 61, faceMatch: 90 };

interface Person {
  vendorData: string;
  /** The request's ticket number (what the audit trail names, never the person). */
  reference: string;
  /** An admin on the session page (`POST /api/sessions/:id/erasure`), or `cli erase --vendor-data`. */
  via: 'api' | 'cli';
  /** Sessions the console stored before the request: one approved, one in review (API persons). */
  stored: string[];
  /** Sessions created while Didit's deliveries were dropped: the console never heard of them. */
  hidden: string[];
  requestId: number | null;
  /** When the console had recorded the request: its stored sessions are erased from then on. */
  requestedAt: number | null;
  requestError: string | null;
  /** When Didit's list had been searched (the hidden sessions erased from then on), as first seen. */
  searchedSeenAt: number | null;
}

interface Kill {
  worker: string;
  at: string;
  /** The victim held a `process_erasure` job when it died. */
  midErasure: boolean;
}

export const erasure: Scenario = {
  name: 'erasure',
  summary: 'erasure requests while Didit is down and a worker dies; every one completes, nothing of the persons is left',
  async run(stack) {
    const size = sizes[stack.profile.name];
    const rng = stack.rng('erasure');
    const { startedAt } = await prepare(stack);
    const token = /rct_\S+/.exec(
      await stack.fleet.cli(['token', 'create', '--role', 'admin', '--name', 'reliability-erasure-admin']),
    )?.[0];
    if (!token) throw new Error('cli token create printed no token');
    const admin = new Admin(stack.consoleUrl, token);

    // Didit's traffic throughout; its end users wait out the outage rather than give up.
    let trafficDone = false;
    const traffic = Promise.all([
      runSessionTraffic(
        { ...stack.scene, didit: stack.didit.patient(size.outageMs + 60_000) },
        {
          tag: trafficTag,
          sessions: size.sessions,
          durationMs: size.trafficMs,
          featureUpdateShare: 0.2,
          rng: stack.rng('erasure-traffic'),
        },
      ).finally(() => (trafficDone = true)),
      workTheQueue(stack.analyst, trafficTag, { share: 0.4, rng: stack.rng('erasure-analyst'), until: () => trafficDone }),
    ]);

    const persons = await createStoredSessions(stack, size.persons);
    await stack.didit.setFaults({ webhook_drop_rate: 1 });
    await createHiddenSessions(stack, persons);
    await stack.didit.setFaults({ api_error_rate: 1 });
    const outageFrom = Date.now();

    const killed = killMidErasure(stack, rng, 0.6 * size.outageMs);
    // Awaited below; handled here too, so that a scenario aborted before that leaves no stray rejection.
    killed.catch(() => undefined);
    await requestErasures(stack, admin, persons);
    const atOnce = await snapshotRows(
      stack.db,
      persons.flatMap((p) => p.stored),
    );
    const hiddenIds = persons.flatMap((p) => p.hidden);
    const hiddenKnown = (await snapshotRows(stack.db, hiddenIds)).size;
    const heldAtOnce = await personalDataOf(stack.db, persons, { scan: false });
    const drivingErrors = await newsAboutErasedSessions(stack.didit, persons);
    const kill = await killed;
    await sleep(Math.max(0, outageFrom + size.outageMs - Date.now()));
    const confirmedDuringOutage = await confirmedErasures(stack.db, persons);

    await stack.didit.clearFaults();
    const restoredAt = Date.now();
    const hiddenSnapshots = new Map<string, string>();
    const convergedAfterMs = await awaitErasures(stack, admin, persons, hiddenSnapshots, restoredAt);

    const [trafficResult] = await traffic;
    const result = await conclude(stack, {
      name: this.name,
      scope: scopeOf(trafficResult.sessionIds, [stack.analyst]),
      startedAt,
    });

    // Measured after the console matched Didit for the traffic too: late news had time to arrive.
    const final = await measure(stack, admin, persons, { scan: true });
    const storedAgain = await changedSince(stack.db, new Map([...atOnce, ...hiddenSnapshots]));
    const late = lateDeliveries(stack, persons);
    result.ownFigures = [
      { name: 'at Didit', value: final.atDidit.length },
      { name: 'held', value: final.held.total },
      { name: 'open', value: final.open.length },
      { name: 'stored again', value: storedAgain.length },
    ] satisfies OwnFigure[];
    result.checks.unshift(
      trafficCheck(trafficResult),
      ...requestChecks(persons, heldAtOnce.total, confirmedDuringOutage),
      check(
        'some sessions were only at Didit when erasure was asked',
        hiddenKnown < hiddenIds.length,
        `${hiddenIds.length - hiddenKnown} of the ${hiddenIds.length} sessions created with deliveries dropped were unknown to the console`,
      ),
      killCheck(kill),
      check(
        'news about erased sessions arrived after their erasure',
        late > 0 && drivingErrors.length === 0,
        drivingErrors.length > 0
          ? `${drivingErrors.length} failures driving Didit, first: ${drivingErrors[0]}`
          : `${late} deliveries answered 2xx after the session's erasure`,
      ),
    );
    // "Converged": from Didit's recovery until every request was complete and nothing of the
    // persons was left at Didit or here; the traffic must have matched Didit within its bound too.
    result.details['trafficConvergedAfterMs'] = result.convergedAfterMs;
    result.convergedAfterMs = result.convergedAfterMs === null ? null : convergedAfterMs;
    result.details['erasure'] = {
      persons: persons.map((p) => ({
        via: p.via,
        reference: p.reference,
        requestId: p.requestId,
        stored: p.stored,
        hidden: p.hidden,
        requestError: p.requestError,
        counts: final.statuses.get(p.reference)?.counts ?? null,
      })),
      kill,
      hiddenKnownAtRequest: hiddenKnown,
      lateDeliveries: late,
      atDidit: final.atDidit,
      held: final.held,
      open: final.open,
      storedAgain,
    };
    return result;
  },
};

/** An admin's API token, as the session page's erasure action and its status use it. */
class Admin {
  constructor(
    private readonly consoleUrl: string,
    private readonly token: string,
  ) {}

  /** Asks for the person's erasure; the request's id, or null with the answer it got. */
  async requestErasure(sessionId: string, reference: string): Promise<{ id: number | null; status: number }> {
    const { status, body } = await this.send(`/api/sessions/${sessionId}/erasure`, { reference, scope: 'person' });
    return { id: status === 202 ? erasureResponseSchema.parse(body).erasure.id : null, status };
  }

  /** Where the request stands; null when the console did not answer. */
  async erasure(id: number): Promise<ErasureStatus | null> {
    const { status, body } = await this.send(`/api/erasures/${id}`);
    return status === 200 ? erasureStatusSchema.parse(body) : null;
  }

  private async send(path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    try {
      const res = await fetch(`${this.consoleUrl}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null };
    } catch {
      return { status: 0, body: null };
    }
  }
}

/**
 * The persons, each with sessions at Didit. All but the last have one approved and one in-review
 * session the console stores (and is shown holding) before anything else happens; the last has
 * none the console knows of, and is erased by `vendor_data` with the CLI.
 */
async function createStoredSessions(stack: Stack, count: number): Promise<Person[]> {
  const { didit, workflowId, portrait } = stack.scene;
  const persons: Person[] = Array.from({ length: count }, (_, index) => ({
    vendorData: vendorDataOf(personTag, index),
    reference: `REL-ERASURE-${index + 1}`,
    via: index === count - 1 ? 'cli' : 'api',
    stored: [],
    hidden: [],
    requestId: null,
    requestedAt: null,
    requestError: null,
    searchedSeenAt: null,
  }));
  const expected = new Map<string, string>();
  for (const person of persons.filter((p) => p.via === 'api')) {
    for (const [scores, status] of [
      [approvedScores, 'Approved'],
      [reviewScores, 'In Review'],
    ] as const) {
      const id = await didit.createSession(workflowId, person.vendorData, portrait);
      await didit.complete(id, scores);
      person.stored.push(id);
      expected.set(id, status);
    }
  }
  const ids = [...expected.keys()];
  let matching = 0;
  const allStored = async () => {
    const rows = await stack.db
      .selectFrom('verification_session')
      .select(['id', 'status'])
      .where(sql<boolean>`id = any(${ids}::uuid[])`)
      .execute();
    matching = rows.filter((row) => expected.get(row.id) === row.status).length;
    return matching === ids.length;
  };
  if (!(await pollUntil(allStored, 60_000, 250))) {
    throw new Error(`only ${matching} of the ${ids.length} sessions of the persons to erase reached the console in time`);
  }
  return persons;
}

/**
 * Sessions the console never hears of (every delivery dropped; Didit's API goes down right after,
 * so no reconciliation lists them either): one waiting to be started per API person, and for the
 * CLI person one approved and one waiting.
 */
async function createHiddenSessions(stack: Stack, persons: Person[]): Promise<void> {
  const { didit, workflowId, portrait } = stack.scene;
  for (const person of persons) {
    if (person.via === 'cli') {
      const approved = await didit.createSession(workflowId, person.vendorData, portrait);
      await didit.complete(approved, approvedScores);
      person.hidden.push(approved);
    }
    person.hidden.push(await didit.createSession(workflowId, person.vendorData, portrait));
  }
}

/** Every person's erasure, at once: an admin through the balancer (a refused request asked again), the CLI for the last. */
async function requestErasures(stack: Stack, admin: Admin, persons: Person[]): Promise<void> {
  await Promise.all(
    persons.map(async (person, index) => {
      if (person.via === 'cli') {
        // Didit is down: the CLI records the request, erases here, fails to reach Didit and says so.
        const output = await stack.fleet
          .cli(['erase', '--vendor-data', person.vendorData, '--reference', person.reference])
          .catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
        const id = /Erasure request (\d+) \(/.exec(output)?.[1];
        if (id) [person.requestId, person.requestedAt] = [Number(id), Date.now()];
        else person.requestError = `cli erase recorded no request: ${output.split('\n').slice(-3).join(' ')}`;
        return;
      }
      // Alternately from the approved and the in-review session: either names the person.
      const sessionId = person.stored[index % 2]!;
      for (let attempt = 1; attempt <= 5; attempt++) {
        const { id, status } = await admin.requestErasure(sessionId, person.reference);
        if (id !== null) {
          [person.requestId, person.requestedAt, person.requestError] = [id, Date.now(), null];
          return;
        }
        person.requestError = `POST /api/sessions/:id/erasure answered ${status}`;
        if (status !== 0 && status < 500) return;
        await sleep(500);
      }
    }),
  );
}

/**
 * Didit's news about the erased persons while its API is down (deliveries still go out): a
 * reviewer in Didit's console decides each in-review session the console has erased, and half
 * of the API persons, and the CLI person, finish a session the console has never heard of.
 * Returns what failed driving Didit.
 */
async function newsAboutErasedSessions(didit: DiditSandbox, persons: readonly Person[]): Promise<string[]> {
  const errors: string[] = [];
  const attempt = (work: Promise<void>) =>
    work.catch((error: unknown) => void errors.push(error instanceof Error ? error.message : String(error)));
  await Promise.all(
    persons.flatMap((person, index) => [
      ...(person.stored[1] ? [attempt(didit.consoleDecision(person.stored[1], 'Approved'))] : []),
      ...(person.via === 'cli' || index % 2 === 0 ? [attempt(didit.complete(person.hidden.at(-1)!, approvedScores))] : []),
    ]),
  );
  return errors;
}

/**
 * SIGKILL of the worker process running an erasure job (its calls to Didit failing and being
 * retried), restarted a few seconds later; a random worker when no erasure job was seen running
 * within `withinMs`.
 */
async function killMidErasure(stack: Stack, rng: Random, withinMs: number): Promise<Kill> {
  const deadline = Date.now() + withinMs;
  let holder: ManagedProcess | undefined;
  while (!holder && Date.now() < deadline) {
    const pids = await erasureJobHolders(stack.db);
    holder = stack.fleet.workers.find((worker) => worker.pid !== undefined && pids.includes(worker.pid));
    if (!holder) await sleep(50);
  }
  const victim = holder ?? pick(rng, stack.fleet.workers);
  await victim.kill('SIGKILL');
  const at = new Date().toISOString();
  await sleep(stack.profile.crashes.restartAfterMs);
  await victim.start();
  return { worker: victim.name, at, midErasure: holder !== undefined };
}

/** The processes (pids, from their heartbeats) running a `process_erasure` job now. */
async function erasureJobHolders(db: Database): Promise<number[]> {
  const { rows } = await sql<{ pid: number }>`
    select distinct h.pid from graphile_worker.jobs j
      join worker_heartbeat h on j.locked_by = any(h.graphile_worker_ids)
     where j.task_identifier = ${jobs.processErasure.name} and j.locked_at is not null`.execute(db);
  return rows.map((row) => row.pid);
}

/** Sessions Didit confirmed deleted, and requests completed, while its API was down (none can be). */
async function confirmedErasures(db: Database, persons: readonly Person[]): Promise<number> {
  const ids = persons.flatMap((p) => (p.requestId === null ? [] : [p.requestId]));
  const { rows } = await sql<{ n: number }>`
    select (select count(*) from erasure_session
             where request_id = any(${ids}::bigint[]) and didit_state in ('deleted', 'gone'))::int
         + (select count(*) from erasure_request
             where id = any(${ids}::bigint[]) and completed_at is not null)::int as n`.execute(db);
  return rows[0]?.n ?? 0;
}

/**
 * Polls (bounded by the profile's convergence bound from Didit's recovery) until every request is
 * complete, Didit holds none of the persons' sessions and the console none of their personal
 * data; notes the hidden sessions' rows when a person's search is first seen done (from then on
 * they are erased, and nothing about them may change). Returns how long it took, or null.
 */
async function awaitErasures(
  stack: Stack,
  admin: Admin,
  persons: Person[],
  hiddenSnapshots: Map<string, string>,
  since: number,
): Promise<number | null> {
  while (Date.now() - since <= stack.profile.convergeBoundMs) {
    try {
      const figures = await measure(stack, admin, persons, { scan: false });
      for (const person of persons) {
        if (person.searchedSeenAt !== null || figures.statuses.get(person.reference)?.diditSearch !== 'done') continue;
        person.searchedSeenAt = Date.now();
        for (const id of person.hidden) {
          hiddenSnapshots.set(id, (await snapshotRows(stack.db, [id])).get(id) ?? absent);
        }
      }
      if (figures.open.length === 0 && figures.atDidit.length === 0 && figures.held.total === 0) return Date.now() - since;
    } catch {
      // The console or Didit is still coming back: the next poll tries again.
    }
    await sleep(1_000);
  }
  return null;
}

interface Measured {
  statuses: Map<string, ErasureStatus>;
  /** References of requests not completed (or never made). */
  open: string[];
  /** The persons' sessions Didit still holds or lists. */
  atDidit: string[];
  held: Held;
}

async function measure(stack: Stack, admin: Admin, persons: readonly Person[], options: { scan: boolean }): Promise<Measured> {
  const statuses = new Map<string, ErasureStatus>();
  await Promise.all(
    persons.map(async (person) => {
      const status = person.requestId === null ? null : await admin.erasure(person.requestId);
      if (status) statuses.set(person.reference, status);
    }),
  );
  const open = persons.filter((p) => statuses.get(p.reference)?.state !== 'completed').map((p) => p.reference);
  return {
    statuses,
    open,
    atDidit: await heldAtDidit(stack.didit, persons),
    held: await personalDataOf(stack.db, persons, options),
  };
}

/** Didit's truth: the persons' sessions it still answers for, and any it lists under their vendor data. */
async function heldAtDidit(didit: DiditSandbox, persons: readonly Person[]): Promise<string[]> {
  const found = new Set<string>();
  await Promise.all(
    persons.map(async (person) => {
      for (const id of await didit.sessionsOf(person.vendorData)) found.add(id);
      for (const id of [...person.stored, ...person.hidden]) if (await didit.holds(id)) found.add(id);
    }),
  );
  return [...found].sort();
}

interface Held {
  total: number;
  /** Session rows still holding `vendor_data`, Didit's decision JSON or media links. */
  sessions: string[];
  /** Inbox rows about their sessions whose body was not removed. */
  inboxRows: number[];
  quarantined: number;
  /** With `scan`: rows of any other table (graphile-worker's too) quoting a person's vendor data. */
  elsewhere: Record<string, number>;
}

/**
 * What the console's database still holds of the persons: their sessions' personal fields, the
 * bodies of deliveries about them, quarantined deliveries, and (`scan`, once at the end: it reads
 * every row) any row of any table, bodies as bytes included, that quotes their vendor data.
 */
async function personalDataOf(db: Database, persons: readonly Person[], options: { scan: boolean }): Promise<Held> {
  const ids = persons.flatMap((p) => [...p.stored, ...p.hidden]);
  const vendorData = persons.map((p) => p.vendorData);
  const quoted = vendorData.map((v) => `%${v}%`);
  const sessions = await sql<{ id: string }>`
    select id from verification_session
     where (id = any(${ids}::uuid[]) or vendor_data = any(${vendorData}::text[]))
       and (vendor_data is not null or decision is not null or media <> '{}'::jsonb or media_expires_at is not null)
     order by id`.execute(db);
  const inboxRows = await sql<{ id: number }>`
    select id from webhook_event
     where (session_id = any(${ids}::uuid[])
            and (payload_removed_at is null or payload <> '{}'::jsonb or raw_body is not null))
        ${options.scan ? sql`or payload::text like any(${quoted}::text[]) or encode(raw_body, 'escape') like any(${quoted}::text[])` : sql``}
     order by id`.execute(db);
  const quarantined = await sql<{ n: number }>`
    select count(*)::int as n from webhook_quarantine
     where session_id = any(${ids}::uuid[])
        ${options.scan ? sql`or encode(body, 'escape') like any(${quoted}::text[])` : sql``}`.execute(db);
  const elsewhere: Record<string, number> = {};
  if (options.scan) {
    const { rows: tables } = await sql<{ schema: string; name: string }>`
      select table_schema as schema, table_name as name from information_schema.tables
       where table_schema in ('public', 'graphile_worker') and table_type = 'BASE TABLE'
         and not (table_schema = 'public' and table_name in ('verification_session', 'webhook_event', 'webhook_quarantine'))
       order by 1, 2`.execute(db);
    for (const table of tables) {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from ${sql.id(table.schema, table.name)} as t
         where t::text like any(${quoted}::text[])`.execute(db);
      if ((rows[0]?.n ?? 0) > 0) elsewhere[`${table.schema}.${table.name}`] = rows[0]!.n;
    }
  }
  const quarantinedCount = quarantined.rows[0]?.n ?? 0;
  const elsewhereCount = Object.values(elsewhere).reduce((sum, n) => sum + n, 0);
  return {
    total: sessions.rows.length + inboxRows.rows.length + quarantinedCount + elsewhereCount,
    sessions: sessions.rows.map((row) => row.id),
    inboxRows: inboxRows.rows.map((row) => Number(row.id)),
    quarantined: quarantinedCount,
    elsewhere,
  };
}

/** A session the console does not hold. */
const absent = 'absent';

/** What the console holds of each session's state (the sessions it holds only), to tell later whether anything was applied. */
async function snapshotRows(db: Database, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('verification_session')
    .select([
      'id',
      'status',
      'liveness_status',
      'face_match_status',
      'liveness_score',
      'face_match_score',
      'decision_source',
      'event_at',
      'personal_data_removal',
    ])
    .where(sql<boolean>`id = any(${ids}::uuid[])`)
    .execute();
  return new Map(rows.map(({ id, ...state }) => [id, JSON.stringify(state)]));
}

/** Sessions whose state in the console changed since it was noted (a row that appeared included). */
async function changedSince(db: Database, noted: ReadonlyMap<string, string>): Promise<string[]> {
  const now = await snapshotRows(db, [...noted.keys()]);
  return [...noted].filter(([id, before]) => (now.get(id) ?? absent) !== before).map(([id]) => id);
}

/** Deliveries about the persons' sessions the console answered 2xx after it had erased them. */
function lateDeliveries(stack: Stack, persons: readonly Person[]): number {
  const erasedFrom = new Map<string, number>();
  for (const person of persons) {
    if (person.requestedAt !== null) for (const id of person.stored) erasedFrom.set(id, person.requestedAt);
    if (person.searchedSeenAt !== null) for (const id of person.hidden) erasedFrom.set(id, person.searchedSeenAt);
  }
  return stack.proxy.webhookAnswers.filter((answer) => {
    const from = answer.sessionId === null ? undefined : erasedFrom.get(answer.sessionId);
    return from !== undefined && answer.at > from && answer.status >= 200 && answer.status < 300;
  }).length;
}

function requestChecks(persons: readonly Person[], heldAtOnce: number, confirmedDuringOutage: number): Check[] {
  const failed = persons.filter((p) => p.requestId === null);
  return [
    check(
      'every erasure was recorded while Didit was down',
      failed.length === 0,
      failed.length === 0
        ? `${persons.length - 1} by an admin through the API, 1 with cli erase`
        : `${failed.length} not recorded, first (${failed[0]!.reference}): ${failed[0]!.requestError ?? 'no answer'}`,
    ),
    check(
      'the local copies went at once',
      heldAtOnce === 0,
      `${heldAtOnce} rows still held personal data of the persons right after their requests`,
    ),
    check(
      'nothing was confirmed while Didit was down',
      confirmedDuringOutage === 0,
      `${confirmedDuringOutage} sessions or requests confirmed during the outage`,
    ),
  ];
}

function killCheck(kill: Kill): Check {
  return check(
    'a worker died mid-erasure and was restarted',
    kill.midErasure,
    `${kill.worker} killed at ${kill.at}${kill.midErasure ? ' while running an erasure job' : ' (no erasure job was seen running)'}`,
  );
}
