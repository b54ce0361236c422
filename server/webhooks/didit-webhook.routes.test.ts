import { createHash, createHmac, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type AppContext } from '../context.ts';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { postDelivery, sessionEvent, signedDelivery } from '../../test/helpers/didit-events.ts';
import { INBOX_SHARDS } from '../worker/jobs.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { startTcpProxy, type TcpProxy } from '../../test/helpers/tcp-proxy.ts';
import { startTestServer, testConfig } from '../../test/helpers/test-context.ts';

const SECRET = 'current-webhook-secret-0001';
const PREVIOUS = 'previous-webhook-secret-0001';

describe('POST /webhooks/didit', () => {
  let proxy: TcpProxy;
  let ctx: AppContext;
  let baseUrl: string;

  beforeAll(async () => {
    const database = await createTestDatabase();
    // Through a proxy the test can cut, to take the database away mid-run.
    const target = new URL(database.url);
    proxy = await startTcpProxy(Number(target.port || 5432), target.hostname);
    target.host = `127.0.0.1:${proxy.port}`;
    ctx = await createContext(
      testConfig({ DATABASE_URL: target.toString(), DIDIT_WEBHOOK_SECRET: SECRET, DIDIT_WEBHOOK_SECRET_PREVIOUS: PREVIOUS }),
    );
    baseUrl = await startTestServer(ctx);
  });
  afterAll(async () => {
    await ctx.close();
    await proxy.close();
  });

  const quarantinedFor = (sessionId: string) =>
    ctx.db.selectFrom('webhook_quarantine').selectAll().where('session_id', '=', sessionId).execute();
  const repairJobsFor = async (sessionId: string) =>
    (
      await sql<{ key: string }>`select key from graphile_worker.jobs
         where task_identifier = 'repair_session' and key = ${`repair:${sessionId}`}`.execute(ctx.db)
    ).rows;
  const rowsFor = (sessionId: string) =>
    ctx.db.selectFrom('webhook_event').selectAll().where('session_id', '=', sessionId).execute();
  // The insert wakes the drain job of the session's shard (one job per shard, however many sessions).
  const jobsFor = async (sessionId: string) =>
    (
      await sql<{
        key: string;
      }>`select key from graphile_worker.jobs where task_identifier = 'drain_inbox'
           and key = 'inbox-drain:' || (abs(hashtext(${sessionId}::text)) % ${INBOX_SHARDS})`.execute(ctx.db)
    ).rows;

  it('stores a signed delivery once, answers 200 and wakes the worker for that session', async () => {
    const event = sessionEvent();
    const res = await postDelivery(baseUrl, signedDelivery(event, SECRET));
    expect(res.status).toBe(200);
    expect(await bodyOf(res)).toEqual({ status: 'stored' });
    const rows = await rowsFor(String(event['session_id']));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      webhook_type: 'status.updated',
      status: 'In Review',
      signature_variant: 'v2',
      processed_at: null,
    });
    expect(rows[0]?.payload).toEqual(event);
    expect(await jobsFor(String(event['session_id']))).toHaveLength(1);
  });

  it('answers 200 to a retry with a new event_id and stores nothing new', async () => {
    const event = sessionEvent();
    expect((await postDelivery(baseUrl, signedDelivery(event, SECRET))).status).toBe(200);
    const retry = await postDelivery(baseUrl, signedDelivery({ ...event, event_id: randomUUID() }, SECRET));
    expect(retry.status).toBe(200);
    expect(await bodyOf(retry)).toEqual({ status: 'duplicate' });
    expect(await rowsFor(String(event['session_id']))).toHaveLength(1);
  });

  it('stores 50 concurrent copies of one delivery as one row', async () => {
    const event = sessionEvent();
    const delivery = signedDelivery(event, SECRET);
    const responses = await Promise.all(Array.from({ length: 50 }, () => postDelivery(baseUrl, delivery)));
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 50 }, () => 200));
    const outcomes = await Promise.all(responses.map(async (r) => ((await bodyOf(r)) as { status: string }).status));
    expect(outcomes.filter((o) => o === 'stored')).toHaveLength(1);
    expect(await rowsFor(String(event['session_id']))).toHaveLength(1);
    expect(await jobsFor(String(event['session_id']))).toHaveLength(1);
  });

  describe('signature matrix: 401 and nothing stored', () => {
    const rejected = async (deliveryHeaders: Record<string, string | undefined>, body?: Buffer, event = sessionEvent()) => {
      const delivery = signedDelivery(event, SECRET);
      const res = await postDelivery(baseUrl, { body: body ?? delivery.body, headers: delivery.headers }, deliveryHeaders);
      expect(res.status).toBe(401);
      expect(await rowsFor(String(event['session_id']))).toHaveLength(0);
      return (await bodyOf(res)) as { error: { code: string } };
    };

    it('rejects a body with one flipped byte', async () => {
      const event = sessionEvent();
      const body = Buffer.from(signedDelivery(event, SECRET).body);
      const at = body.indexOf('user-42');
      body[at] = (body[at] ?? 0) ^ 0x02;
      expect((await rejected({}, body, event)).error.code).toBe('invalid_signature');
    });

    it('rejects signatures made with a secret we do not hold', async () => {
      const event = sessionEvent();
      const foreign = signedDelivery(event, 'someone-elses-secret-000');
      expect((await rejected(foreign.headers, undefined, event)).error.code).toBe('invalid_signature');
    });

    it('rejects truncated and empty signature headers', async () => {
      const event = sessionEvent();
      const { headers } = signedDelivery(event, SECRET);
      await rejected(
        { 'x-signature-v2': headers['x-signature-v2']?.slice(0, 40), 'x-signature': headers['x-signature']?.slice(0, 40) },
        undefined,
        event,
      );
      await rejected({ 'x-signature-v2': '', 'x-signature': '' }, undefined, event);
    });

    it('rejects X-Signature-Simple alone', async () => {
      await rejected({ 'x-signature-v2': undefined, 'x-signature': undefined });
    });

    it('rejects timestamps 301 s in the past or the future', async () => {
      for (const skew of [-301, 301]) {
        const event = sessionEvent({ timestamp: Math.floor(Date.now() / 1000) + skew });
        expect((await rejected({}, undefined, event)).error.code).toBe('stale_timestamp');
      }
    });

    it('rejects an X-Timestamp that differs from the signed body timestamp', async () => {
      const event = sessionEvent();
      await rejected({ 'x-timestamp': String(Number(event['timestamp']) - 1) }, undefined, event);
    });

    it('keeps nothing of a stale delivery whose signature does not verify', async () => {
      const event = sessionEvent({ timestamp: Math.floor(Date.now() / 1000) - 900 });
      const foreign = signedDelivery(event, 'someone-elses-secret-000');
      expect((await rejected(foreign.headers, undefined, event)).error.code).toBe('invalid_signature');
      expect(await quarantinedFor(String(event['session_id']))).toHaveLength(0);
    });

    it('counts rejections in the metrics', async () => {
      const rejections = async () => {
        const metric = await ctx.metrics.registry.getSingleMetric('didit_webhooks_rejected_total')?.get();
        const count = (reason: string) => metric?.values.find((v) => v.labels['reason'] === reason)?.value ?? 0;
        return { bad_signature: count('bad_signature'), stale_timestamp: count('stale_timestamp') };
      };
      const before = await rejections();
      const event = sessionEvent();
      await rejected(signedDelivery(event, 'someone-elses-secret-000').headers, undefined, event);
      await rejected({}, undefined, sessionEvent({ timestamp: Math.floor(Date.now() / 1000) - 301 }));
      expect(await rejections()).toEqual({
        bad_signature: before.bad_signature + 1,
        stale_timestamp: before.stale_timestamp + 1,
      });
    });
  });

  it('accepts a delivery signed with the previous secret during a rotation', async () => {
    const event = sessionEvent();
    expect((await postDelivery(baseUrl, signedDelivery(event, PREVIOUS))).status).toBe(200);
    expect(await rowsFor(String(event['session_id']))).toHaveLength(1);
  });

  it('passes a non-ASCII payload with numeric-like keys through X-Signature-V2', async () => {
    const event = sessionEvent({ extra: { metadata: { nickname: 'Zoë 北京', '10': 'ten', '9': 'nine' } } });
    const delivery = signedDelivery(event, SECRET);
    // As if a proxy had re-encoded the body with literal UTF-8: only V2 can verify it now.
    const literal = Buffer.from(JSON.stringify(JSON.parse(delivery.body.toString())), 'utf8');
    const res = await postDelivery(baseUrl, { body: literal, headers: delivery.headers }, { 'x-signature': undefined });
    expect(res.status).toBe(200);
    const [row] = await rowsFor(String(event['session_id']));
    expect(row?.signature_variant).toBe('v2');
    expect((row?.payload as { metadata: Record<string, string> }).metadata).toEqual({
      nickname: 'Zoë 北京',
      '10': 'ten',
      '9': 'nine',
    });
  });

  it('answers 400 to signed bytes that are not JSON', async () => {
    const body = Buffer.from('{"webhook_type":"status.updated",');
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await fetch(`${baseUrl}/webhooks/didit`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-timestamp': timestamp,
        'x-signature': createHmac('sha256', SECRET).update(body).digest('hex'),
      },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await bodyOf(res)) as { error: { code: string } }).error.code).toBe('malformed_json');
  });

  it('answers 400 to a signed body that fails the envelope schema, and keeps it in the quarantine', async () => {
    const event = sessionEvent({ extra: { session_id: 'not-a-uuid' } });
    const res = await postDelivery(baseUrl, signedDelivery(event, SECRET));
    expect(res.status).toBe(400);
    expect(
      await ctx.db.selectFrom('webhook_event').select('id').where('dedupe_key', 'like', '%not-a-uuid%').execute(),
    ).toHaveLength(0);
    const [kept] = await ctx.db
      .selectFrom('webhook_quarantine')
      .selectAll()
      .where(sql<string>`convert_from(body, 'UTF8')`, 'like', `%${String(event['event_id'])}%`)
      .execute();
    // No usable session id: nothing to re-read, and the Sync page says so.
    expect(kept).toMatchObject({ reason: 'invalid_envelope', session_id: null, repair_state: 'not_possible' });
    expect(kept?.detail).toMatch(/session_id/);
    expect(kept?.detail).not.toContain('not-a-uuid');
  });

  describe('an authentic delivery that cannot be stored as an event is quarantined and its session re-read', () => {
    it('a stale timestamp: 401 as the contract says, the bytes kept once per body, a re-read queued', async () => {
      const event = sessionEvent({ timestamp: Math.floor(Date.now() / 1000) - 600 });
      const sessionId = String(event['session_id']);
      const delivery = signedDelivery(event, SECRET);
      const res = await postDelivery(baseUrl, delivery);
      expect(res.status).toBe(401);
      expect(((await bodyOf(res)) as { error: { code: string } }).error.code).toBe('stale_timestamp');
      expect(await rowsFor(sessionId)).toHaveLength(0);
      // Didit's retry carries the same bytes: one row, counted.
      expect((await postDelivery(baseUrl, delivery)).status).toBe(401);
      const kept = await quarantinedFor(sessionId);
      expect(kept).toHaveLength(1);
      expect(kept[0]).toMatchObject({
        reason: 'stale_timestamp',
        webhook_type: 'status.updated',
        signature_variant: 'v2',
        deliveries: 2,
        repair_state: 'queued',
      });
      expect(kept[0]?.body.equals(delivery.body)).toBe(true);
      expect(await repairJobsFor(sessionId)).toHaveLength(1);
      const metrics = await ctx.metrics.registry.getSingleMetricAsString('didit_webhooks_quarantined_total');
      expect(metrics).toMatch(/reason="stale_timestamp"\} [1-9]/);
    });

    it('a header timestamp that differs from the signed one', async () => {
      const event = sessionEvent();
      const sessionId = String(event['session_id']);
      const res = await postDelivery(baseUrl, signedDelivery(event, SECRET), {
        'x-timestamp': String(Number(event['timestamp']) - 5),
      });
      expect(res.status).toBe(401);
      expect(await quarantinedFor(sessionId)).toEqual([
        expect.objectContaining({ reason: 'timestamp_mismatch', repair_state: 'queued' }),
      ]);
      expect(await repairJobsFor(sessionId)).toHaveLength(1);
    });

    it('a body that does not fit the envelope but names its session', async () => {
      const event = sessionEvent({ extra: { status: 42 } });
      const sessionId = String(event['session_id']);
      expect((await postDelivery(baseUrl, signedDelivery(event, SECRET))).status).toBe(400);
      expect(await quarantinedFor(sessionId)).toEqual([
        expect.objectContaining({ reason: 'invalid_envelope', repair_state: 'queued' }),
      ]);
      expect(await repairJobsFor(sessionId)).toHaveLength(1);
    });

    it('a body nested deeper than the cap: acknowledged, since a retry would be refused the same way', async () => {
      const event = sessionEvent({ extra: { metadata: { note: JSON.parse(`${'['.repeat(80)}1${']'.repeat(80)}`) as unknown } } });
      const sessionId = String(event['session_id']);
      const res = await postDelivery(baseUrl, signedDelivery(event, SECRET));
      expect(res.status).toBe(200);
      expect(await bodyOf(res)).toEqual({ status: 'quarantined' });
      expect(await rowsFor(sessionId)).toHaveLength(0);
      expect(await quarantinedFor(sessionId)).toEqual([
        expect.objectContaining({ reason: 'unstorable', repair_state: 'queued' }),
      ]);
      expect(await repairJobsFor(sessionId)).toHaveLength(1);
    });

    it('a body jsonb cannot hold as sent (\\u0000) is no such delivery: stored as an event, its bytes kept', async () => {
      const event = sessionEvent({ extra: { metadata: { note: 'nul \u0000 byte' } } });
      const sessionId = String(event['session_id']);
      const delivery = signedDelivery(event, SECRET);
      const res = await postDelivery(baseUrl, delivery);
      expect(await bodyOf(res)).toEqual({ status: 'stored' });
      const [row] = await rowsFor(sessionId);
      expect(row?.payload['metadata']).toEqual({ note: 'nul \ufffd byte' });
      expect(row?.raw_body?.equals(delivery.body)).toBe(true);
      expect(await quarantinedFor(sessionId)).toEqual([]);
    });

    it('signed bytes that are not JSON', async () => {
      const body = Buffer.from('{"webhook_type":"status.updated","session_id":');
      const res = await fetch(`${baseUrl}/webhooks/didit`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-timestamp': String(Math.floor(Date.now() / 1000)),
          'x-signature': createHmac('sha256', SECRET).update(body).digest('hex'),
        },
        body,
      });
      expect(res.status).toBe(400);
      const kept = await ctx.db
        .selectFrom('webhook_quarantine')
        .selectAll()
        .where('body_sha256', '=', createHash('sha256').update(body).digest('hex'))
        .executeTakeFirst();
      expect(kept).toMatchObject({ reason: 'malformed_json', repair_state: 'not_possible' });
    });
  });

  it('accepts session ids that are 8-4-4-4-12 hex but not RFC 4122, in either case', async () => {
    for (const id of [
      'aaaaaaaa-bbbb-cccc-dddd-' + randomUUID().slice(-12),
      'AAAAAAAA-BBBB-CCCC-DDDD-' + randomUUID().slice(-12).toUpperCase(),
    ]) {
      const event = sessionEvent({ sessionId: id });
      const res = await postDelivery(baseUrl, signedDelivery(event, SECRET));
      expect(res.status).toBe(200);
      expect(await bodyOf(res)).toEqual({ status: 'stored' });
      expect(await rowsFor(id.toLowerCase())).toHaveLength(1);
    }
  });

  it('stores an unknown webhook_type with a valid signature as processed, and ignores it', async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const marker = randomUUID();
    const res = await postDelivery(
      baseUrl,
      signedDelivery({ webhook_type: 'transaction.created', timestamp, data: { marker } }, SECRET),
    );
    expect(res.status).toBe(200);
    expect(await bodyOf(res)).toEqual({ status: 'ignored' });
    const rows = await ctx.db
      .selectFrom('webhook_event')
      .selectAll()
      .where(sql`payload -> 'data' ->> 'marker'`, '=', marker)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.session_id).toBeNull();
    expect(rows[0]?.processed_at).not.toBeNull();
  });

  it('answers 413 above 1 MB', async () => {
    const event = sessionEvent({ extra: { padding: 'x'.repeat(1024 * 1024) } });
    const res = await postDelivery(baseUrl, signedDelivery(event, SECRET));
    expect(res.status).toBe(413);
  });

  it('answers 503 while the database is down, then accepts Didit’s retry', async () => {
    const event = sessionEvent();
    const delivery = signedDelivery(event, SECRET);
    await proxy.cut();
    try {
      const res = await postDelivery(baseUrl, delivery);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
    } finally {
      await proxy.restore();
    }
    const retry = await postDelivery(baseUrl, signedDelivery({ ...event, event_id: randomUUID() }, SECRET));
    expect(retry.status).toBe(200);
    expect(await rowsFor(String(event['session_id']))).toHaveLength(1);
  });
});
