import { createHmac, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { afterFile } from '../../test/helpers/after-file.ts';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { postDelivery, sessionEvent, signedDelivery, type Delivery } from '../../test/helpers/didit-events.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { startTestServer, testConfig } from '../../test/helpers/test-context.ts';
import { createContext, type AppContext } from '../context.ts';
import { createLogger } from '../logger.ts';
import { syncTasks, runJobsOnce } from '../../test/helpers/sync-worker.ts';
import { MAX_WEBHOOK_DEPTH } from './storable-body.ts';

/**
 * Issue 15, finding 8: a correctly signed delivery is never lost, nor answered 500, for its
 * content. What Postgres's jsonb refuses (`\u0000`, lone surrogates, numbers beyond `numeric`) is
 * replaced in the stored payload and the signed bytes are kept beside it; a body nested deeper
 * than the cap is quarantined (bytes kept, session re-read) and acknowledged. And no fragment of
 * any such body reaches the log: every line the console writes while handling them is captured.
 */
const SECRET = 'hostile-bodies-secret-0001';

describe('signed deliveries with bodies Postgres refuses', () => {
  let ctx: AppContext;
  let baseUrl: string;
  const logged: string[] = [];

  beforeAll(async () => {
    const database = await createTestDatabase();
    const config = testConfig({ DATABASE_URL: database.url, DIDIT_WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'debug' });
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(chunk.toString('utf8'));
        done();
      },
    });
    ctx = await createContext(config, { logger: createLogger(config, destination) });
    afterFile(() => ctx.close());
    baseUrl = await startTestServer(ctx);
  });

  /** A marker inside a signed media link, as a fragment of a real body would be. */
  const marker = () => `https://media.example.test/face/leak-${randomUUID()}.jpg?X-Amz-Signature=${'e'.repeat(64)}`;
  const eventRows = (sessionId: string) =>
    ctx.db.selectFrom('webhook_event').selectAll().where('session_id', '=', sessionId).execute();
  const quarantined = (sessionId: string) =>
    ctx.db.selectFrom('webhook_quarantine').selectAll().where('session_id', '=', sessionId).execute();
  const expectNotLogged = (fragment: string) => {
    const all = logged.join('');
    expect(all).not.toContain(fragment);
    // Nor the distinctive part alone (a log line may escape or cut the URL).
    expect(all).not.toContain(fragment.slice(fragment.indexOf('leak-'), fragment.indexOf('.jpg')));
  };
  /** Signs the exact bytes with X-Signature (over the raw body): for bodies JSON.stringify cannot write. */
  const rawDelivery = (text: string): Delivery => {
    const body = Buffer.from(text, 'utf8');
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'x-timestamp': String(Math.floor(Date.now() / 1000)),
        'x-signature': createHmac('sha256', SECRET).update(body).digest('hex'),
      },
    };
  };

  const stores = [
    ['a NUL in a value', (link: string) => ({ metadata: { note: `before\u0000after ${link}` } }), 'before\ufffdafter'],
    ['a lone high surrogate in a value', (link: string) => ({ metadata: { note: `x\ud800y ${link}` } }), 'x\ufffdy'],
    ['a lone low surrogate in a value', (link: string) => ({ metadata: { note: `x\udc00y ${link}` } }), 'x\ufffdy'],
    ['a NUL in a key', (link: string) => ({ metadata: { [`key\u0000`]: link } }), 'key\ufffd'],
  ] as const;

  for (const [label, extra, expected] of stores) {
    it(`stores a delivery with ${label} as an event, keeps its bytes, and logs none of it`, async () => {
      const link = marker();
      const event = sessionEvent({ extra: extra(link) });
      const sessionId = String(event['session_id']);
      const delivery = signedDelivery(event, SECRET);
      const res = await postDelivery(baseUrl, delivery);
      expect(res.status).toBe(200);
      expect(await bodyOf(res)).toEqual({ status: 'stored' });
      const [row, ...others] = await eventRows(sessionId);
      expect(others).toEqual([]);
      expect(row?.raw_body?.equals(delivery.body)).toBe(true);
      expect(JSON.stringify(row?.payload['metadata'])).toContain(expected);
      expect(row?.status).toBe('In Review');
      expect(await quarantined(sessionId)).toEqual([]);
      // Didit's retry is the same event.
      const retry = await postDelivery(baseUrl, delivery);
      expect(await bodyOf(retry)).toEqual({ status: 'duplicate' });
      expectNotLogged(link);
    });
  }

  it('applies such an event like any other', async () => {
    const link = marker();
    const event = sessionEvent({ extra: { vendor_data: `user\u0000 ${link}` } });
    (event['decision'] as Record<string, unknown>)['vendor_data'] = event['vendor_data'];
    const sessionId = String(event['session_id']);
    expect((await postDelivery(baseUrl, signedDelivery(event, SECRET))).status).toBe(200);
    await runJobsOnce(ctx.pool, syncTasks(ctx));
    const session = await ctx.db
      .selectFrom('verification_session')
      .select(['status', 'vendor_data'])
      .where('id', '=', sessionId)
      .executeTakeFirst();
    expect(session?.status).toBe('In Review');
    expect(session?.vendor_data).toMatch(/^user\ufffd /);
    const [row] = await eventRows(sessionId);
    expect(row).toMatchObject({ processed_at: expect.any(Date), parked_at: null, last_error: null });
    expectNotLogged(link);
  });

  it('stores a NUL in the status and in an unknown webhook type (the text columns get the replacement too)', async () => {
    const event = sessionEvent({ status: 'In Review\u0000' });
    const sessionId = String(event['session_id']);
    const res = await postDelivery(baseUrl, signedDelivery(event, SECRET));
    expect(await bodyOf(res)).toEqual({ status: 'stored' });
    expect((await eventRows(sessionId))[0]?.status).toBe('In Review\ufffd');

    const other = { webhook_type: `custom\u0000.${randomUUID()}`, timestamp: Math.floor(Date.now() / 1000) };
    const ignored = await postDelivery(baseUrl, signedDelivery(other, SECRET));
    expect(await bodyOf(ignored)).toEqual({ status: 'ignored' });
    const stored = await ctx.db
      .selectFrom('webhook_event')
      .select(['webhook_type', 'raw_body'])
      .where('webhook_type', '=', other.webhook_type.replace('\u0000', '\ufffd'))
      .execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.raw_body).not.toBeNull();
  });

  it('stores a number beyond numeric as JSON.parse read it, with the bytes kept', async () => {
    const sessionId = randomUUID();
    const link = marker();
    const timestamp = Math.floor(Date.now() / 1000);
    const delivery = rawDelivery(
      `{"link":"${link}","metadata":{"huge":1e999999,"tiny":1e-999999},"session_id":"${sessionId}","status":"In Review",` +
        `"timestamp":${timestamp},"webhook_type":"status.updated"}`,
    );
    const res = await postDelivery(baseUrl, delivery);
    expect(await bodyOf(res)).toEqual({ status: 'stored' });
    const [row] = await eventRows(sessionId);
    expect(row?.payload['metadata']).toEqual({ huge: null, tiny: 0 });
    expect(row?.raw_body?.equals(delivery.body)).toBe(true);
    expectNotLogged(link);
  });

  it('keeps an ordinary body as it came: no copy of the bytes, escaped emoji included', async () => {
    const event = sessionEvent({ extra: { metadata: { nickname: 'Zoë 😀' } } });
    const sessionId = String(event['session_id']);
    const delivery = signedDelivery(event, SECRET);
    expect(delivery.body.toString()).toContain('\\ud83d\\ude00');
    expect((await postDelivery(baseUrl, delivery)).status).toBe(200);
    const [row] = await eventRows(sessionId);
    expect(row?.raw_body).toBeNull();
    expect(row?.payload['metadata']).toEqual({ nickname: 'Zoë 😀' });
  });

  describe(`nesting is capped at ${MAX_WEBHOOK_DEPTH} levels`, () => {
    const nested = (sessionId: string, levels: number, link: string) =>
      rawDelivery(
        `{"metadata":${'['.repeat(levels)}"${link}"${']'.repeat(levels)},"session_id":"${sessionId}","status":"In Review",` +
          `"timestamp":${Math.floor(Date.now() / 1000)},"webhook_type":"status.updated"}`,
      );

    it('stores a body at the cap', async () => {
      const sessionId = randomUUID();
      // The envelope object is one level: 63 arrays inside it make 64.
      const res = await postDelivery(baseUrl, nested(sessionId, MAX_WEBHOOK_DEPTH - 1, marker()));
      expect(await bodyOf(res)).toEqual({ status: 'stored' });
    });

    for (const levels of [MAX_WEBHOOK_DEPTH, 5_000, 400_000]) {
      it(`quarantines a body ${levels + 1} levels deep, acknowledges it, and re-reads its session`, async () => {
        const sessionId = randomUUID();
        const link = marker();
        const delivery = nested(sessionId, levels, link);
        const res = await postDelivery(baseUrl, delivery);
        expect(res.status).toBe(200);
        expect(await bodyOf(res)).toEqual({ status: 'quarantined' });
        expect(await eventRows(sessionId)).toEqual([]);
        const [kept] = await quarantined(sessionId);
        expect(kept).toMatchObject({ reason: 'unstorable', repair_state: 'queued' });
        expect(kept?.detail).toContain(String(MAX_WEBHOOK_DEPTH));
        expect(kept?.body.equals(delivery.body)).toBe(true);
        expectNotLogged(link);
      });
    }

    it('verifies an X-Signature-V2-only delivery far deeper than Python can sign without overflowing the stack', async () => {
      const levels = 400_000;
      const text = `{"metadata":${'['.repeat(levels)}1${']'.repeat(levels)},"timestamp":${Math.floor(Date.now() / 1000)},"webhook_type":"x.y"}`;
      // Not the canonical form (a space), so V2 would have to canonicalise it: refused, not crashed.
      const body = Buffer.from(` ${text}`);
      const res = await postDelivery(baseUrl, {
        body,
        headers: {
          'content-type': 'application/json',
          'x-timestamp': String(Math.floor(Date.now() / 1000)),
          'x-signature-v2': createHmac('sha256', SECRET).update(text).digest('hex'),
        },
      });
      expect(res.status).toBe(401);
      expect(logged.join('')).not.toMatch(/RangeError|Maximum call stack/);
    });
  });

  it('wrote no error lines while handling any of them', () => {
    const lines = logged
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  });
});
