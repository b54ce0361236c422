import { beforeAll, describe, expect, it } from 'vitest';
import { signedInPeople } from '../../test/helpers/signed-in.ts';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { seedSession, seedWorkflow } from '../../test/helpers/seed.ts';
import { startSsoTestConsole, type SsoTestConsole } from '../../test/helpers/sso.ts';
import { TEST_MEDIA_ORIGIN } from '../../test/helpers/test-context.ts';

/**
 * Blur until reveal and purpose of access (issue 19): the reveal, not the page open, is the
 * evidence view on the audit trail; a session that is not yours asks why first; viewers see
 * faces only where a lead lets them. Real HTTP, people signed in through the dev IdP.
 */
describe('revealing faces', () => {
  let app: SsoTestConsole;
  let workflowId: string;
  const { send, post, get } = signedInPeople(() => app.baseUrl);

  const selfie = (id: string) => `${TEST_MEDIA_ORIGIN}/${id}/selfie.jpg?X-Amz-Signature=abc`;

  /** An In Review session of `workflow` whose links are fresh for an hour (no refresh asks Didit). */
  async function sessionWithImages(vendorData: string, workflow = workflowId): Promise<string> {
    const id = await seedSession(app.ctx.db, { workflowId: workflow, vendorData });
    await app.ctx.db
      .updateTable('verification_session')
      .set({
        media: JSON.stringify({ selfie: selfie(id), portrait: `${TEST_MEDIA_ORIGIN}/${id}/portrait.jpg` }),
        media_expires_at: new Date(Date.now() + 3_600_000),
      })
      .where('id', '=', id)
      .execute();
    return id;
  }

  const looks = (id: string) =>
    app.ctx.db
      .selectFrom('audit_log')
      .select(['actor_label', 'details'])
      .where('target_id', '=', id)
      .where('action', '=', 'session.media_viewed')
      .orderBy('id')
      .execute();

  beforeAll(async () => {
    app = await startSsoTestConsole();
    workflowId = await seedWorkflow(app.ctx.db, { label: 'Returning user' });
  });

  it('a claimed session (claim or claim-next) reveals without a purpose; the entry says so and names no one', async () => {
    const claimedId = await sessionWithImages('person-claimed');
    expect((await post('analyst@example.test', `/api/sessions/${claimedId}/claim`)).status).toBe(200);
    const detail = await bodyOf(await get('analyst@example.test', `/api/sessions/${claimedId}`));
    expect(detail.reveal).toEqual({ allowed: true, purposeRequired: false });
    expect(detail.media.selfie).toBe(selfie(claimedId));
    const revealed = await post('analyst@example.test', `/api/sessions/${claimedId}/reveal`);
    expect(revealed.status).toBe(200);
    expect(await bodyOf(revealed)).toEqual({ sessionId: claimedId, purpose: null, claimed: true, recorded: true });
    expect(await looks(claimedId)).toEqual([
      { actor_label: 'analyst@example.test', details: { purpose: null, purposeNote: null, claimed: true } },
    ]);
    expect(JSON.stringify(await looks(claimedId))).not.toContain('person-claimed');

    const nextId = await sessionWithImages('person-claim-next');
    const next = await post('analyst2@example.test', '/api/queue/claim-next', { filters: { q: 'person-claim-next' } });
    expect((await bodyOf(next)).session).toMatchObject({ id: nextId, reveal: { allowed: true, purposeRequired: false } });
    expect((await post('analyst2@example.test', `/api/sessions/${nextId}/reveal`)).status).toBe(200);
    expect((await looks(nextId)).map((row) => row.details)).toEqual([{ purpose: null, purposeNote: null, claimed: true }]);
  });

  it('opening, claiming, noting, deciding and refreshing links are not looks: only the reveal is', async () => {
    const id = await sessionWithImages('person-not-looked-at');
    expect((await get('analyst@example.test', `/api/sessions/${id}`)).status).toBe(200);
    const claimed = await post('analyst@example.test', `/api/sessions/${id}/claim`);
    expect((await bodyOf(claimed)).media.selfie).toBe(selfie(id));
    expect((await post('analyst@example.test', `/api/sessions/${id}/notes`, { note: 'Looks fine.' })).status).toBe(201);
    expect((await post('analyst@example.test', `/api/sessions/${id}/refresh-media`)).status).toBe(200);
    const { version } = await bodyOf(await get('analyst@example.test', `/api/sessions/${id}`));
    const decided = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Approved',
      reason: 'same_person',
      expectedVersion: version,
    });
    expect(decided.status).toBe(201);
    expect(await looks(id)).toEqual([]);
  });

  it('asks for a purpose before revealing a session that is not yours, and records it', async () => {
    const id = await sessionWithImages('person-from-search');
    expect((await bodyOf(await get('analyst@example.test', `/api/sessions/${id}`))).reveal).toEqual({
      allowed: true,
      purposeRequired: true,
    });
    const refused = await post('analyst@example.test', `/api/sessions/${id}/reveal`);
    expect(refused.status).toBe(400);
    expect((await bodyOf(refused)).error.code).toBe('purpose_required');
    const other = await post('analyst@example.test', `/api/sessions/${id}/reveal`, { purpose: 'other' });
    expect(other.status).toBe(400);
    expect((await bodyOf(other)).error.code).toBe('validation_failed');
    const unknown = await post('analyst@example.test', `/api/sessions/${id}/reveal`, { purpose: 'curiosity' });
    expect(unknown.status).toBe(400);
    expect(await looks(id)).toEqual([]);

    const revealed = await post('analyst@example.test', `/api/sessions/${id}/reveal`, { purpose: 'fraud_investigation' });
    expect(await bodyOf(revealed)).toEqual({ sessionId: id, purpose: 'fraud_investigation', claimed: false, recorded: true });
    // The same purpose again within the window is the same look; another purpose is a new one.
    const again = await post('analyst@example.test', `/api/sessions/${id}/reveal`, { purpose: 'fraud_investigation' });
    expect((await bodyOf(again)).recorded).toBe(false);
    const note = 'Ticket SUP-1234: the person asked who looked at their photo';
    expect(
      (await post('analyst@example.test', `/api/sessions/${id}/reveal`, { purpose: 'other', purposeNote: note })).status,
    ).toBe(200);
    expect(await looks(id)).toEqual([
      { actor_label: 'analyst@example.test', details: { purpose: 'fraud_investigation', purposeNote: null, claimed: false } },
      { actor_label: 'analyst@example.test', details: { purpose: 'other', purposeNote: note, claimed: false } },
    ]);
  });

  it('the audit trail, as JSON and CSV, filters by purpose', async () => {
    const id = await sessionWithImages('person-audited-purpose');
    await post('analyst@example.test', `/api/sessions/${id}/reveal`, { purpose: 'legal_request' });
    await post('analyst2@example.test', `/api/sessions/${id}/reveal`, { purpose: 'subject_request' });
    const page = await bodyOf(await get('lead@example.test', `/api/audit?purpose=legal_request&targetId=${id}`));
    expect(page.entries.map((entry: { actorLabel: string; details: unknown }) => [entry.actorLabel, entry.details])).toEqual([
      ['analyst@example.test', { purpose: 'legal_request', purposeNote: null, claimed: false }],
    ]);
    const csv = await (await get('lead@example.test', `/api/audit?format=csv&purpose=subject_request&targetId=${id}`)).text();
    expect(csv.trim().split('\r\n')).toHaveLength(2);
    expect(csv).toContain('analyst2@example.test');
    expect(csv).not.toContain('person-audited-purpose');
    const bad = await get('lead@example.test', '/api/audit?purpose=curiosity');
    expect(bad.status).toBe(400);
  });

  it('a viewer gets no links and may not reveal until a lead lets viewers reveal in the workflow', async () => {
    const viewerWorkflow = await seedWorkflow(app.ctx.db, { label: 'Viewers may look' });
    const id = await sessionWithImages('person-viewer', viewerWorkflow);

    const hidden = await bodyOf(await get('viewer@example.test', `/api/sessions/${id}`));
    expect(hidden.reveal).toEqual({ allowed: false, purposeRequired: true });
    expect(hidden.media).toMatchObject({ selfie: null, portrait: null, video: null, expiresAt: null });
    expect(JSON.stringify(hidden)).not.toContain(TEST_MEDIA_ORIGIN);
    const refused = await post('viewer@example.test', `/api/sessions/${id}/reveal`, { purpose: 'decision_review' });
    expect(refused.status).toBe(403);
    expect((await bodyOf(refused)).error.message).toMatch(/viewers see scores and warnings only/);
    expect((await post('viewer@example.test', `/api/sessions/${id}/refresh-media`)).status).toBe(403);
    expect(await looks(id)).toEqual([]);

    const changed = await send('lead@example.test', 'PUT', `/api/workflows/${viewerWorkflow}/viewer-reveal`, {
      viewersMayReveal: true,
    });
    expect(changed.status).toBe(200);
    expect(await bodyOf(changed)).toEqual({ id: viewerWorkflow, label: 'Viewers may look', viewersMayReveal: true });

    const shown = await bodyOf(await get('viewer@example.test', `/api/sessions/${id}`));
    expect(shown.reveal).toEqual({ allowed: true, purposeRequired: true });
    expect(shown.media.selfie).toBe(selfie(id));
    expect((await post('viewer@example.test', `/api/sessions/${id}/reveal`)).status).toBe(400);
    expect((await post('viewer@example.test', `/api/sessions/${id}/reveal`, { purpose: 'decision_review' })).status).toBe(200);
    expect(await looks(id)).toEqual([
      { actor_label: 'viewer@example.test', details: { purpose: 'decision_review', purposeNote: null, claimed: false } },
    ]);
    // Other workflows keep the default.
    const elsewhere = await sessionWithImages('person-viewer-elsewhere');
    expect((await bodyOf(await get('viewer@example.test', `/api/sessions/${elsewhere}`))).media.selfie).toBeNull();
  });

  it('the viewer-reveal setting: leads only, audited when it changes, on the workflow answer; bad input refused', async () => {
    const id = await seedWorkflow(app.ctx.db, { label: 'Setting' });
    const path = `/api/workflows/${id}/viewer-reveal`;
    const analyst = await send('analyst@example.test', 'PUT', path, { viewersMayReveal: true });
    expect(analyst.status).toBe(403);
    expect((await bodyOf(analyst)).error.code).toBe('forbidden');
    expect((await send('lead@example.test', 'PUT', path, { viewersMayReveal: 'yes' })).status).toBe(400);
    expect((await send('lead@example.test', 'PUT', path, {})).status).toBe(400);
    expect((await send('lead@example.test', 'PUT', path, { viewersMayReveal: true, extra: 1 })).status).toBe(400);
    const unknown = await send('lead@example.test', 'PUT', '/api/workflows/7c0e9a52-0000-4000-8000-00000000abcd/viewer-reveal', {
      viewersMayReveal: true,
    });
    expect(unknown.status).toBe(404);

    expect((await bodyOf(await get('viewer@example.test', `/api/workflows/${id}`))).viewersMayReveal).toBe(false);
    expect((await send('lead@example.test', 'PUT', path, { viewersMayReveal: true })).status).toBe(200);
    expect((await send('lead@example.test', 'PUT', path, { viewersMayReveal: true })).status).toBe(200);
    const token = await createApiToken(app.ctx, 'lead', 'reveal-setting');
    const byToken = await fetch(`${app.baseUrl}${path}`, {
      method: 'PUT',
      headers: { ...authHeaders(token), 'content-type': 'application/json' },
      body: JSON.stringify({ viewersMayReveal: false }),
    });
    expect(byToken.status).toBe(200);
    const listed = await bodyOf(await get('viewer@example.test', '/api/workflows'));
    expect(listed.items.find((workflow: { id: string }) => workflow.id === id).viewersMayReveal).toBe(false);
    const changes = await app.ctx.db
      .selectFrom('audit_log')
      .select(['actor_label', 'details'])
      .where('target_id', '=', id)
      .where('action', '=', 'workflow.viewer_reveal_changed')
      .orderBy('id')
      .execute();
    expect(changes).toEqual([
      { actor_label: 'lead@example.test', details: { from: false, to: true } },
      { actor_label: 'reveal-setting', details: { from: true, to: false } },
    ]);
  });
});
