import { beforeAll, describe, expect, it } from 'vitest';
import { signedInPeople } from '../../test/helpers/signed-in.ts';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { seedSession, seedWorkflow } from '../../test/helpers/seed.ts';
import { sameOriginHeaders, startSsoTestConsole, type SsoTestConsole } from '../../test/helpers/sso.ts';
import { queuePageSchema } from '../contract/review.ts';

/**
 * Issue 15, finding 7: text Postgres cannot hold (NUL, lone surrogates), other control characters,
 * and forged page cursors are refused at the request schemas with a 400 naming the parameter. They
 * used to reach a cast or an insert and answer 500 (and log the value). Every route that takes
 * text or a cursor is here, sent through the real app by whoever may call it.
 */

const token = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const anId = '0a1b2c3d-0000-4000-8000-00000000abcd';

describe('hostile text and forged cursors answer 400, never 500', () => {
  let app: SsoTestConsole;
  let admin: { authorization: string };
  const { as } = signedInPeople(() => app.baseUrl);
  let workflowId: string;
  let sessionId: string;
  let sessionVersion: number;

  beforeAll(async () => {
    app = await startSsoTestConsole();
    admin = authHeaders(await createApiToken(app.ctx, 'admin'));
    workflowId = await seedWorkflow(app.ctx.db, { hasFaceMatch: false });
    for (let i = 0; i < 3; i++) {
      sessionId = await seedSession(app.ctx.db, { workflowId, inReviewSince: new Date(Date.now() - (10 - i) * 60_000) });
    }
    // Claimed by the lead, at a known version: a decision with a bad note would otherwise reach the insert.
    const lead = await as('lead@example.test');
    const claimed = await lead.fetch(`${app.baseUrl}/api/sessions/${sessionId}/claim`, {
      method: 'POST',
      headers: sameOriginHeaders(app.baseUrl),
    });
    expect(claimed.status).toBe(200);
    sessionVersion = ((await bodyOf(claimed)) as { version: number }).version;
    // An open proposal, so that approve, reject and withdraw have a version to act on.
    const proposed = await lead.fetch(`${app.baseUrl}/api/workflows/${workflowId}/thresholds`, {
      method: 'POST',
      headers: sameOriginHeaders(app.baseUrl),
      body: JSON.stringify({ thresholds: { livenessReview: 70, livenessDecline: 40 }, reason: 'tighten the decline line' }),
    });
    expect(proposed.status).toBe(201);
  });

  /** Sends the request, and expects a 400 `validation_failed` whose issues name `param`. */
  async function expectRefused(
    /** `by`: 'token' (an admin API token) or the email of a person who signs in. */
    request: { method: 'GET' | 'POST'; path: string; body?: unknown; by: string },
    param: string,
  ): Promise<void> {
    const headers = request.by === 'token' ? { ...admin, 'content-type': 'application/json' } : sameOriginHeaders(app.baseUrl);
    const init = { method: request.method, headers, body: request.body === undefined ? undefined : JSON.stringify(request.body) };
    const res =
      request.by === 'token'
        ? await fetch(`${app.baseUrl}${request.path}`, init)
        : await (await as(request.by)).fetch(`${app.baseUrl}${request.path}`, init);
    const text = await res.text();
    expect(res.status, `${request.method} ${request.path} ${text}`).toBe(400);
    const body = JSON.parse(text) as {
      error: { code: string; message: string; details?: { issues?: { path: string; message: string }[] } };
    };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).not.toBe('');
    const issue = body.error.details?.issues?.find((i) => i.path === param);
    expect(issue?.message, `${request.path}: ${text}`).toMatch(/\w/);
  }

  describe('query parameters with NUL and other control characters', () => {
    const queries = [
      ['/api/queue?q=', 'q'],
      ['/api/queue?status=In%20Review&q=', 'q'],
      ['/api/audit?actor=', 'actor'],
      ['/api/audit?action=', 'action'],
      ['/api/audit?targetType=', 'targetType'],
      ['/api/audit?targetId=', 'targetId'],
      ['/api/audit?format=csv&actor=', 'actor'],
      ['/api/audit?format=csv&targetId=', 'targetId'],
    ] as const;
    for (const [path, param] of queries) {
      for (const [label, encoded] of [
        ['NUL', 'a%00b'],
        ['escape', 'a%1Bb'],
        ['DEL', 'a%7Fb'],
      ] as const) {
        it(`refuses ${label} in ${path.replace('/api/', '')}`, async () => {
          await expectRefused({ method: 'GET', path: `${path}${encoded}`, by: 'token' }, param);
        });
      }
    }
  });

  describe('JSON bodies with NUL, lone surrogates and control characters', () => {
    const bad = [
      ['NUL', 'note \u0000 here'],
      ['a lone high surrogate', 'note \ud800 here'],
      ['a lone low surrogate', 'note \udc00 here'],
      ['escape', 'note \u001b[31m here'],
    ] as const;
    const routes: { name: string; param: string; by: string; request: (text: string) => { path: string; body: unknown } }[] = [
      {
        name: 'a session note',
        param: 'note',
        by: 'token',
        request: (text) => ({ path: `/api/sessions/${sessionId}/notes`, body: { note: text } }),
      },
      {
        name: 'a decision note',
        param: 'note',
        by: 'lead@example.test',
        request: (text) => ({
          path: `/api/sessions/${sessionId}/decision`,
          body: { decision: 'Declined', reason: 'different_person', note: text, expectedVersion: sessionVersion },
        }),
      },
      {
        name: 'a decision reason',
        param: 'reason',
        by: 'lead@example.test',
        request: (text) => ({
          path: `/api/sessions/${sessionId}/decision`,
          body: { decision: 'Declined', reason: text, expectedVersion: sessionVersion },
        }),
      },
      {
        name: 'the search of claim next',
        param: 'q',
        by: 'lead@example.test',
        request: (text) => ({ path: '/api/queue/claim-next', body: { filters: { q: text } } }),
      },
      {
        name: 'the reason of a threshold proposal',
        param: 'reason',
        by: 'lead2@example.test',
        request: (text) => ({
          path: `/api/workflows/${workflowId}/thresholds`,
          body: { thresholds: { livenessReview: 75, livenessDecline: 40 }, reason: text },
        }),
      },
      {
        name: 'the note of an approval',
        param: 'note',
        by: 'lead2@example.test',
        request: (text) => ({ path: `/api/workflows/${workflowId}/thresholds/1/approve`, body: { note: text } }),
      },
      {
        name: 'the note of a rejection',
        param: 'note',
        by: 'lead2@example.test',
        request: (text) => ({ path: `/api/workflows/${workflowId}/thresholds/1/reject`, body: { note: text } }),
      },
      {
        name: 'the note of a withdrawal',
        param: 'note',
        by: 'lead@example.test',
        request: (text) => ({ path: `/api/workflows/${workflowId}/thresholds/1/withdraw`, body: { note: text } }),
      },
      {
        name: 'a token name',
        param: 'name',
        by: 'admin@example.test',
        request: (text) => ({ path: '/api/admin/tokens', body: { name: text, role: 'viewer' } }),
      },
    ];
    for (const route of routes) {
      for (const [label, text] of bad) {
        it(`refuses ${label} in ${route.name}`, async () => {
          await expectRefused({ method: 'POST', ...route.request(text), by: route.by }, route.param);
        });
      }
    }

    it('keeps tabs and line breaks in free text, and stored nothing refused above', async () => {
      const res = await fetch(`${app.baseUrl}/api/sessions/${sessionId}/notes`, {
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json' },
        body: JSON.stringify({ note: 'line one\n\tline two\r\n' }),
      });
      expect(res.status).toBe(201);
      const notes = await app.ctx.db
        .selectFrom('review_event')
        .select('note')
        .where('session_id', '=', sessionId)
        .where('kind', '=', 'note')
        .execute();
      expect(notes.map((row) => row.note)).toEqual(['line one\n\tline two']);
      // The decision was never recorded, nor the second proposal.
      const decided = await app.ctx.db
        .selectFrom('review_event')
        .select('id')
        .where('session_id', '=', sessionId)
        .where('kind', 'in', ['approve', 'decline'])
        .execute();
      expect(decided).toEqual([]);
    });
  });

  describe('forged queue cursors', () => {
    const at = '2026-11-30 09:15:02.123456+00';
    const forged: [string, string, string?][] = [
      ['not base64 JSON', 'abc'],
      ['outside the base64url alphabet', '1|x'],
      ['a percent-encoded NUL', '%00'],
      ['base64 garbage', Buffer.from([0xff, 0xfe, 0x00, 0x81]).toString('base64url')],
      ['too long', 'A'.repeat(501)],
      ['an object instead of a position', token({ sort: 'age', value: at, id: anId })],
      ['a missing part', token(['age', 'asc', at])],
      ['an extra part', token(['age', 'asc', at, anId, 'more'])],
      ['a number where the value goes', token(['age', 'asc', 5, anId])],
      ['a value that is no timestamp', token(['age', 'asc', 'yesterday', anId])],
      ['an impossible date', token(['age', 'asc', '2026-02-30 00:00:00+00', anId])],
      ['a NUL in the value', token(['age', 'asc', '\u0000', anId])],
      ['a year beyond 9999', token(['age', 'asc', '99999-01-01 00:00:00+00', anId])],
      ['an id that is no Didit id', token(['age', 'asc', at, '------------------------------------'])],
      ['a huge number as a score', token(['liveness', 'asc', '1e999', anId]), '&sort=liveness'],
      ['a score that is no number', token(['liveness', 'asc', 'abc', anId]), '&sort=liveness'],
      ['NaN as a score', token(['face_match', 'asc', 'NaN', anId]), '&sort=face_match'],
      ['an unknown sort', token(['size', 'asc', '1', anId]), '&sort=liveness'],
    ];
    for (const param of ['cursor', 'before'] as const) {
      for (const [label, value, extra = ''] of forged) {
        it(`refuses ${label} as ${param}`, async () => {
          const encoded = value === '%00' ? value : encodeURIComponent(value);
          await expectRefused({ method: 'GET', path: `/api/queue?${param}=${encoded}${extra}`, by: 'token' }, param);
        });
      }
    }

    it('refuses a real cursor under another sort order, and still pages with real ones', async () => {
      const get = async (query: string) => fetch(`${app.baseUrl}/api/queue${query}`, { headers: admin });
      const first = queuePageSchema.parse(await bodyOf(await get('?limit=1')));
      expect(first.nextCursor).toEqual(expect.any(String));
      await expectRefused(
        { method: 'GET', path: `/api/queue?limit=1&sort=liveness&cursor=${first.nextCursor}`, by: 'token' },
        'cursor',
      );
      const second = queuePageSchema.parse(await bodyOf(await get(`?limit=1&cursor=${first.nextCursor}`)));
      expect(second.items).toHaveLength(1);
      const back = await get(`?limit=1&before=${second.prevCursor}`);
      expect(back.status).toBe(200);
      // Score sorts print floats: their cursors pass too.
      const byScore = queuePageSchema.parse(await bodyOf(await get('?limit=1&sort=liveness&dir=desc')));
      expect((await get(`?limit=1&sort=liveness&dir=desc&cursor=${byScore.nextCursor}`)).status).toBe(200);
    });
  });

  describe('other numbers and dates out of range', () => {
    const cases = [
      ['/api/audit?cursor=abc', 'cursor'],
      ['/api/audit?cursor=1%7Cx', 'cursor'],
      ['/api/audit?cursor=-1', 'cursor'],
      ['/api/audit?cursor=99999999999999999999', 'cursor'],
      ['/api/audit?cursor=%00', 'cursor'],
      ['/api/audit?from=-200000-01-01T00:00:00Z', 'from'],
      ['/api/audit?to=%2B275000-01-01T00:00:00Z', 'to'],
      ['/api/audit?from=%00', 'from'],
    ] as const;
    for (const [path, param] of cases) {
      it(`refuses ${decodeURIComponent(path.replace('/api/', ''))}`, async () => {
        await expectRefused({ method: 'GET', path, by: 'token' }, param);
      });
    }

    it('refuses a threshold version beyond integer', async () => {
      await expectRefused(
        {
          method: 'POST',
          path: `/api/workflows/${workflowId}/thresholds/99999999999/approve`,
          body: {},
          by: 'lead2@example.test',
        },
        'version',
      );
    });
  });
});
