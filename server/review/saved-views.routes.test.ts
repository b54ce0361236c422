import { beforeAll, describe, expect, it } from 'vitest';
import { signedInPeople } from '../../test/helpers/signed-in.ts';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { sameOriginHeaders, startSsoTestConsole, type SsoTestConsole } from '../../test/helpers/sso.ts';
import { SAVED_VIEWS_MAX_PER_PERSON, savedViewAnswerSchema, savedViewListSchema } from '../contract/saved-views.ts';

/**
 * Saved queue views (issue 20) over real HTTP, people signed in through the dev IdP: a person's
 * own views, the ones leads share with the team, and who may change which.
 */
describe('saved queue views', () => {
  let app: SsoTestConsole;
  const { as, send } = signedInPeople(() => app.baseUrl);
  const create = (email: string, name: string, filters: Record<string, unknown> = {}) =>
    send(email, 'POST', '/api/queue/views', { name, filters });
  const createdId = async (email: string, name: string, filters: Record<string, unknown> = {}) => {
    const res = await create(email, name, filters);
    expect(res.status).toBe(201);
    return savedViewAnswerSchema.parse(await bodyOf(res)).view.id;
  };
  const list = async (email: string) => {
    const res = await (await as(email)).fetch(`${app.baseUrl}/api/queue/views`);
    expect(res.status).toBe(200);
    return savedViewListSchema.parse(await bodyOf(res)).views;
  };
  const share = (email: string, id: number, shared: boolean) => send(email, 'PUT', `/api/queue/views/${id}/shared`, { shared });
  const audit = (id: number) =>
    app.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_label', 'details'])
      .where('target_type', '=', 'queue_view')
      .where('target_id', '=', String(id))
      .orderBy('id')
      .execute();
  const row = (id: number) => app.ctx.db.selectFrom('saved_queue_view').selectAll().where('id', '=', id).executeTakeFirst();

  beforeAll(async () => {
    app = await startSsoTestConsole();
  });

  it('saves a view with its filters parsed by the queue schema, stored without defaults, and audited', async () => {
    const res = await create('analyst@example.test', '  Weak liveness, approved  ', {
      status: 'Approved',
      warning: 'LOW_LIVENESS_SCORE,LOW_FACE_MATCH_SIMILARITY',
      livenessMax: '40',
      sort: 'age',
      dir: 'asc',
      limit: '50',
      assignee: 'anyone',
    });
    expect(res.status).toBe(201);
    const { view } = savedViewAnswerSchema.parse(await bodyOf(res));
    const filters = {
      status: 'Approved',
      warning: ['LOW_LIVENESS_SCORE', 'LOW_FACE_MATCH_SIMILARITY'],
      livenessMax: 40,
    };
    expect(view).toMatchObject({
      name: 'Weak liveness, approved',
      filters,
      owner: 'analyst@example.test',
      mine: true,
      shared: false,
      sharedBy: null,
      allowed: { edit: true, delete: true, share: false },
    });
    expect((await row(view.id))?.filters).toEqual(filters);
    expect(await audit(view.id)).toEqual([
      {
        action: 'queue_view.saved',
        actor_label: 'analyst@example.test',
        details: { name: 'Weak liveness, approved', filters },
      },
    ]);
    expect((await list('analyst@example.test')).map((v) => v.name)).toContain('Weak liveness, approved');
    // Nobody else sees a private view.
    expect((await list('analyst2@example.test')).map((v) => v.id)).not.toContain(view.id);
    expect((await list('lead@example.test')).map((v) => v.id)).not.toContain(view.id);
  });

  it('refuses bad names and filters with 400, naming the field, and writes nothing', async () => {
    const before = await app.ctx.db.selectFrom('saved_queue_view').select('id').execute();
    const cases: Array<[unknown, string]> = [
      [{ name: 'x', filters: { colour: 'red' } }, 'filters.colour'],
      [{ name: 'x', filters: { cursor: 'abc' } }, 'filters.cursor'],
      [{ name: 'x', filters: { status: 'Nope' } }, 'filters.status'],
      [{ name: 'x', filters: { livenessMin: '80', livenessMax: '20' } }, 'filters.livenessMin'],
      [{ name: '   ', filters: {} }, 'name'],
      [{ name: 'n'.repeat(81), filters: {} }, 'name'],
      [{ name: 'tab\there', filters: {} }, 'name'],
      [{ name: 'x' }, 'filters'],
      [{ name: 'x', filters: {}, shared: true }, ''],
      [{ name: 'x', filters: ['status'] }, 'filters'],
    ];
    for (const [body, path] of cases) {
      const res = await send('analyst@example.test', 'POST', '/api/queue/views', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const { error } = await bodyOf(res);
      expect(error.code).toBe('validation_failed');
      expect(error.details.issues.map((issue: { path: string }) => issue.path)).toContain(path);
    }
    // 80 characters is fine.
    expect((await create('analyst@example.test', 'n'.repeat(80))).status).toBe(201);
    expect(await app.ctx.db.selectFrom('saved_queue_view').select('id').execute()).toHaveLength(before.length + 1);
  });

  it('refuses a second view of the same name (any case) with 409, but another person may use it', async () => {
    await createdId('analyst@example.test', 'Morning triage', { sort: 'liveness' });
    const again = await create('analyst@example.test', 'morning TRIAGE');
    expect(again.status).toBe(409);
    expect((await bodyOf(again)).error.code).toBe('view_name_taken');
    expect((await create('analyst2@example.test', 'Morning triage')).status).toBe(201);
  });

  it(`keeps a person to ${SAVED_VIEWS_MAX_PER_PERSON} views (409 view_limit_reached)`, async () => {
    await as('analyst2@example.test');
    const owner = await app.ctx.db
      .selectFrom('app_user')
      .select('id')
      .where('email', '=', 'analyst2@example.test')
      .executeTakeFirstOrThrow();
    const owned = await app.ctx.db.selectFrom('saved_queue_view').select('id').where('owner_id', '=', owner.id).execute();
    const missing = SAVED_VIEWS_MAX_PER_PERSON - 1 - owned.length;
    await app.ctx.db
      .insertInto('saved_queue_view')
      .values(Array.from({ length: missing }, (_, i) => ({ owner_id: owner.id, name: `Bulk ${i}`, filters: '{}' })))
      .execute();
    try {
      expect((await create('analyst2@example.test', 'The fiftieth')).status).toBe(201);
      const refused = await create('analyst2@example.test', 'One too many');
      expect(refused.status).toBe(409);
      expect((await bodyOf(refused)).error).toMatchObject({ code: 'view_limit_reached', details: { max: 50 } });
    } finally {
      // Back under the limit, whichever test runs next as analyst2.
      await app.ctx.db.deleteFrom('saved_queue_view').where('owner_id', '=', owner.id).execute();
    }
  });

  it('lets the owner rename a view and change its filters, audited; nothing written when nothing changes', async () => {
    const id = await createdId('analyst@example.test', 'Face match', { faceMatchMax: '60' });
    const renamed = await send('analyst@example.test', 'PATCH', `/api/queue/views/${id}`, { name: 'Weak face match' });
    expect(renamed.status).toBe(200);
    expect((await bodyOf(renamed)).view).toMatchObject({ name: 'Weak face match', filters: { faceMatchMax: 60 } });
    const refiltered = await send('analyst@example.test', 'PATCH', `/api/queue/views/${id}`, {
      filters: { faceMatchMax: '50', assignee: 'me' },
    });
    expect((await bodyOf(refiltered)).view.filters).toEqual({ faceMatchMax: 50, assignee: 'me' });
    const same = await send('analyst@example.test', 'PATCH', `/api/queue/views/${id}`, {
      name: 'Weak face match',
      filters: { assignee: 'me', faceMatchMax: 50 },
    });
    expect(same.status).toBe(200);
    expect(await audit(id)).toEqual([
      expect.objectContaining({ action: 'queue_view.saved' }),
      {
        action: 'queue_view.updated',
        actor_label: 'analyst@example.test',
        details: { name: 'Weak face match', renamedFrom: 'Face match', shared: false },
      },
      {
        action: 'queue_view.updated',
        actor_label: 'analyst@example.test',
        details: {
          name: 'Weak face match',
          shared: false,
          filtersFrom: { faceMatchMax: 60 },
          filters: { faceMatchMax: 50, assignee: 'me' },
        },
      },
    ]);
    // A rename onto another of one's own names, an empty change, an unknown filter.
    await createdId('analyst@example.test', 'Taken name');
    const clash = await send('analyst@example.test', 'PATCH', `/api/queue/views/${id}`, { name: 'taken name' });
    expect(clash.status).toBe(409);
    expect((await send('analyst@example.test', 'PATCH', `/api/queue/views/${id}`, {})).status).toBe(400);
    expect((await send('analyst@example.test', 'PATCH', `/api/queue/views/${id}`, { filters: { page: 2 } })).status).toBe(400);
    // Someone else's private view does not exist for them.
    const other = await send('analyst2@example.test', 'PATCH', `/api/queue/views/${id}`, { name: 'Mine now' });
    expect(other.status).toBe(404);
    expect((await send('lead@example.test', 'DELETE', `/api/queue/views/${id}`)).status).toBe(404);
    expect((await row(id))?.name).toBe('Weak face match');
  });

  it('lets a lead share a view with the team; everyone sees who shared it; only the owner changes it', async () => {
    const id = await createdId('lead@example.test', 'Stale claims', { assignee: 'unassigned', minAgeMinutes: '120' });
    const shared = await share('lead@example.test', id, true);
    expect(shared.status).toBe(200);
    expect((await bodyOf(shared)).view).toMatchObject({ shared: true, sharedBy: 'lead@example.test', mine: true });
    expect((await row(id))?.shared_at).toBeInstanceOf(Date);

    const seen = (await list('analyst@example.test')).find((view) => view.id === id);
    expect(seen).toMatchObject({
      name: 'Stale claims',
      owner: 'lead@example.test',
      mine: false,
      shared: true,
      sharedBy: 'lead@example.test',
      filters: { assignee: 'unassigned', minAgeMinutes: 120 },
      allowed: { edit: false, delete: false, share: false },
    });
    // Viewers apply the team's views too.
    expect((await list('viewer@example.test')).map((view) => view.id)).toContain(id);
    // Own views first, then the team's.
    const analystViews = await list('analyst@example.test');
    expect(analystViews.findIndex((view) => !view.mine)).toBeGreaterThan(analystViews.findLastIndex((view) => view.mine));

    // An analyst may neither change, delete nor unshare it; another lead may not edit it either.
    expect((await send('analyst@example.test', 'PATCH', `/api/queue/views/${id}`, { name: 'Hijacked' })).status).toBe(403);
    expect((await send('analyst@example.test', 'DELETE', `/api/queue/views/${id}`)).status).toBe(403);
    const unshareRefused = await share('analyst@example.test', id, false);
    expect(unshareRefused.status).toBe(403);
    expect((await bodyOf(unshareRefused)).error.code).toBe('forbidden');
    expect((await send('lead2@example.test', 'PATCH', `/api/queue/views/${id}`, { name: 'Hijacked' })).status).toBe(403);
    expect((await list('lead2@example.test')).find((view) => view.id === id)?.allowed).toEqual({
      edit: false,
      delete: true,
      share: true,
    });

    // Sharing again changes nothing and records nothing.
    expect((await share('lead@example.test', id, true)).status).toBe(200);
    expect((await audit(id)).map((entry) => entry.action)).toEqual(['queue_view.saved', 'queue_view.shared']);
    expect((await audit(id))[1]).toEqual({
      action: 'queue_view.shared',
      actor_label: 'lead@example.test',
      details: { name: 'Stale claims', owner: 'lead@example.test' },
    });
  });

  it('lets another lead unshare a shared view, after which it is its owner’s alone again', async () => {
    const id = await createdId('lead@example.test', 'Flashing only', { method: 'FLASHING' });
    expect((await share('lead@example.test', id, true)).status).toBe(200);
    const unshared = await share('lead2@example.test', id, false);
    expect(unshared.status).toBe(200);
    expect((await bodyOf(unshared)).view).toMatchObject({ shared: false, sharedBy: null, mine: false });
    expect(await row(id)).toMatchObject({ shared: false, shared_by_id: null, shared_at: null });
    expect((await list('analyst@example.test')).map((view) => view.id)).not.toContain(id);
    expect((await list('lead@example.test')).find((view) => view.id === id)).toMatchObject({ mine: true, shared: false });
    expect((await audit(id)).at(-1)).toEqual({
      action: 'queue_view.unshared',
      actor_label: 'lead2@example.test',
      details: { name: 'Flashing only', owner: 'lead@example.test', sharedBy: 'lead@example.test' },
    });
    // Now private: another lead can neither see nor share it.
    expect((await share('lead2@example.test', id, true)).status).toBe(404);
  });

  it('refuses sharing to analysts and viewers, and sharing someone else’s view to a lead', async () => {
    const id = await createdId('analyst@example.test', 'Analyst wants to share');
    const refused = await share('analyst@example.test', id, true);
    expect(refused.status).toBe(403);
    expect((await bodyOf(refused)).error.code).toBe('forbidden');
    expect((await share('viewer@example.test', id, true)).status).toBe(403);
    // The analyst's private view is invisible to a lead: nothing to share.
    expect((await share('lead@example.test', id, true)).status).toBe(404);
    const leadView = await createdId('lead@example.test', 'Lead view to share');
    expect((await share('lead@example.test', leadView, true)).status).toBe(200);
    expect((await share('lead2@example.test', leadView, false)).status).toBe(200);
    expect((await row(id))?.shared).toBe(false);
  });

  it('viewers apply shared views but save none', async () => {
    const res = await create('viewer@example.test', 'Viewer view');
    expect(res.status).toBe(403);
    expect((await bodyOf(res)).error.code).toBe('forbidden');
    expect((await list('viewer@example.test')).every((view) => !view.mine)).toBe(true);
  });

  it('deletes: the owner their own, a lead a shared one; audited with what the view held', async () => {
    const id = await createdId('analyst@example.test', 'Short lived', { q: 'person-7' });
    const deleted = await send('analyst@example.test', 'DELETE', `/api/queue/views/${id}`);
    expect(deleted.status).toBe(200);
    expect(await bodyOf(deleted)).toEqual({ deleted: id });
    expect(await row(id)).toBeUndefined();
    expect((await audit(id)).at(-1)).toEqual({
      action: 'queue_view.deleted',
      actor_label: 'analyst@example.test',
      details: { name: 'Short lived', owner: 'analyst@example.test', shared: false, filters: { q: 'person-7' } },
    });
    expect((await send('analyst@example.test', 'DELETE', `/api/queue/views/${id}`)).status).toBe(404);

    const teamView = await createdId('lead@example.test', 'Team view');
    expect((await share('lead@example.test', teamView, true)).status).toBe(200);
    expect((await send('lead2@example.test', 'DELETE', `/api/queue/views/${teamView}`)).status).toBe(200);
    expect((await audit(teamView)).at(-1)).toMatchObject({
      action: 'queue_view.deleted',
      actor_label: 'lead2@example.test',
      details: { owner: 'lead@example.test', shared: true },
    });
  });

  it('answers 404 for an unknown view and 400 for an id that is not one', async () => {
    for (const [method, body] of [
      ['PATCH', { name: 'x' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await send('lead@example.test', method, '/api/queue/views/987654321', body);
      expect(res.status).toBe(404);
      expect((await bodyOf(res)).error.code).toBe('not_found');
    }
    expect((await share('lead@example.test', 987654321, true)).status).toBe(404);
    expect((await send('lead@example.test', 'DELETE', '/api/queue/views/abc')).status).toBe(400);
    expect((await send('lead@example.test', 'DELETE', '/api/queue/views/0')).status).toBe(400);
  });

  it('refuses a cookie request without the CSRF header or from another origin', async () => {
    const browser = await as('analyst@example.test');
    const noHeader = await browser.fetch(`${app.baseUrl}/api/queue/views`, {
      method: 'POST',
      headers: { origin: app.baseUrl, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Forged', filters: {} }),
    });
    expect(noHeader.status).toBe(403);
    expect((await bodyOf(noHeader)).error.code).toBe('csrf_rejected');
    const otherOrigin = await browser.fetch(`${app.baseUrl}/api/queue/views`, {
      method: 'POST',
      headers: { ...sameOriginHeaders(app.baseUrl), origin: 'https://evil.example' },
      body: JSON.stringify({ name: 'Forged', filters: {} }),
    });
    expect(otherOrigin.status).toBe(403);
    const forged = await app.ctx.db.selectFrom('saved_queue_view').select('id').where('name', '=', 'Forged').execute();
    expect(forged).toEqual([]);
  });

  it('API tokens list the shared views and save none (views belong to people)', async () => {
    const teamView = await createdId('lead@example.test', 'For the automation', { status: 'Declined' });
    expect((await share('lead@example.test', teamView, true)).status).toBe(200);
    const token = await createApiToken(app.ctx, 'admin');
    const listed = await fetch(`${app.baseUrl}/api/queue/views`, { headers: authHeaders(token) });
    expect(listed.status).toBe(200);
    const { views } = savedViewListSchema.parse(await bodyOf(listed));
    expect(views.map((view) => view.id)).toContain(teamView);
    expect(views.every((view) => view.shared && !view.mine)).toBe(true);
    const created = await fetch(`${app.baseUrl}/api/queue/views`, {
      method: 'POST',
      headers: { ...authHeaders(token), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Automation', filters: {} }),
    });
    expect(created.status).toBe(403);
  });
});
