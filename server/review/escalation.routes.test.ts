import { beforeAll, describe, expect, it } from 'vitest';
import { signedInPeople } from '../../test/helpers/signed-in.ts';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { seedSession, seedWorkflow } from '../../test/helpers/seed.ts';
import { startSsoTestConsole, type SsoTestConsole } from '../../test/helpers/sso.ts';
import { ESCALATION_EXCERPT_MAX } from '../contract/escalation.ts';
import { queuePageSchema, sessionDetailSchema } from '../contract/review.ts';

/** Escalation over real HTTP (issue 20): analysts hand sessions to the leads; leads decide them or give them back. */
describe('escalation routes', () => {
  let app: SsoTestConsole;
  let workflowId: string;
  const analyst = 'analyst@example.test';
  const analyst2 = 'analyst2@example.test';
  const lead = 'lead@example.test';
  const viewer = 'viewer@example.test';

  const { post, get } = signedInPeople(() => app.baseUrl);
  const session = async (email: string, id: string) =>
    sessionDetailSchema.parse(await bodyOf(await get(email, `/api/sessions/${id}`)));
  const queueIds = async (email: string, query: string) => {
    const res = await get(email, `/api/queue?${query}`);
    expect(res.status).toBe(200);
    return queuePageSchema.parse(await bodyOf(res)).items.map((item) => item.id);
  };
  const escalate = (email: string, id: string, note: unknown, expectedVersion: number) =>
    post(email, `/api/sessions/${id}/escalate`, { note, expectedVersion });
  const sessionRow = (id: string) =>
    app.ctx.db
      .selectFrom('verification_session')
      .select(['escalated_at', 'escalated_by', 'escalation_event_id', 'claimed_by', 'version'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const events = (id: string) =>
    app.ctx.db
      .selectFrom('review_event')
      .select(['id', 'kind', 'actor_label', 'note'])
      .where('session_id', '=', id)
      .orderBy('id')
      .execute();
  const audit = (id: string, action: string) =>
    app.ctx.db
      .selectFrom('audit_log')
      .select(['actor_label', 'details'])
      .where('target_id', '=', id)
      .where('action', '=', action)
      .execute();

  /** An In Review session, tagged so a queue search finds it alone. */
  const inReview = (tag: string) => seedSession(app.ctx.db, { workflowId, vendorData: `esc-${tag}` });

  /** An In Review session the analyst claimed and escalated with `note`. */
  async function escalated(tag: string, note = 'Portrait looks older than the account; please check.'): Promise<string> {
    const id = await inReview(tag);
    expect((await post(analyst, `/api/sessions/${id}/claim`)).status).toBe(200);
    const res = await escalate(analyst, id, note, (await session(analyst, id)).version);
    expect(res.status).toBe(201);
    return id;
  }

  beforeAll(async () => {
    app = await startSsoTestConsole();
    workflowId = await seedWorkflow(app.ctx.db, { label: 'Returning user' });
  });

  it('escalates a claimed session with a note: the claim goes, the session leaves the analysts’ queue for the Escalated view', async () => {
    const id = await inReview('happy');
    expect((await post(analyst, `/api/sessions/${id}/claim`)).status).toBe(200);
    const before = await session(analyst, id);
    expect(before.allowed.escalate).toBe(true);
    expect(before.allowed.deEscalate).toBe(false);

    const res = await escalate(analyst, id, '  Portrait looks like a different person\nbut scores say same.  ', before.version);
    expect(res.status).toBe(201);
    const after = sessionDetailSchema.parse(await bodyOf(res));
    expect(after.escalation).toEqual({
      at: expect.any(String),
      by: analyst,
      note: 'Portrait looks like a different person\nbut scores say same.',
    });
    expect(after.claim).toBeNull();
    expect(after.version).toBe(before.version + 1);
    expect(after.allowed).toMatchObject({ claim: false, decide: [], escalate: false, deEscalate: false });
    expect(after.timeline.filter((entry) => entry.source === 'console').map((entry) => entry.kind)).toEqual([
      'claim',
      'escalate',
    ]);

    const row = await sessionRow(id);
    const [, escalation] = await events(id);
    expect(escalation).toMatchObject({ kind: 'escalate', actor_label: analyst, note: after.escalation?.note });
    expect(row).toMatchObject({ escalation_event_id: escalation?.id, claimed_by: null, escalated_at: expect.any(Date) });
    expect(row.escalated_by).toEqual(expect.any(String));
    const entries = await audit(id, 'session.escalated');
    expect(entries).toEqual([{ actor_label: analyst, details: { reviewEventId: escalation?.id, releasedClaim: true } }]);
    // The note is in the review event only, not in the audit chain.
    expect(JSON.stringify(entries)).not.toContain('Portrait');

    expect(await queueIds(analyst, 'q=esc-happy')).toEqual([]);
    expect(await queueIds(analyst, 'q=esc-happy&escalated=include')).toEqual([id]);
    const escalatedView = queuePageSchema.parse(await bodyOf(await get(lead, '/api/queue?q=esc-happy&escalated=only')));
    expect(escalatedView.items.map((item) => [item.id, item.escalation])).toEqual([
      [id, { at: after.escalation?.at, by: analyst, note: 'Portrait looks like a different person but scores say same.' }],
    ]);
    expect(escalatedView.total).toBe(1);

    const leadView = await session(lead, id);
    expect(leadView.allowed).toMatchObject({
      claim: true,
      decide: ['Approved', 'Declined', 'Resubmitted'],
      deEscalate: true,
      escalate: false,
    });
  });

  it('shows an excerpt of a long note in the queue and the whole note on the session page', async () => {
    const note = `${'Evidence is ambiguous. '.repeat(20)}End.`;
    const id = await escalated('long', note);
    const [item] = queuePageSchema.parse(await bodyOf(await get(lead, '/api/queue?q=esc-long&escalated=only'))).items;
    expect(item?.escalation?.note).toHaveLength(ESCALATION_EXCERPT_MAX);
    expect(item?.escalation?.note?.endsWith('…')).toBe(true);
    expect((await session(lead, id)).escalation?.note).toBe(note);
  });

  it('refuses an escalation without a note, with a blank one, or with one over 2,000 characters', async () => {
    const id = await inReview('note-required');
    const { version } = await session(analyst, id);
    for (const note of [undefined, '', '   \n  ', 'x'.repeat(2_001)]) {
      const res = await escalate(analyst, id, note, version);
      expect(res.status).toBe(400);
      expect((await bodyOf(res)).error).toMatchObject({ code: 'validation_failed' });
    }
    expect((await post(analyst, `/api/sessions/${id}/escalate`, { note: 'Fine note' })).status).toBe(400);
    expect((await sessionRow(id)).escalated_at).toBeNull();
    expect(await events(id)).toEqual([]);
  });

  it('refuses a viewer (403), an API token (403) and an unknown session (404)', async () => {
    const id = await inReview('viewer');
    const res = await escalate(viewer, id, 'Looks odd', 1);
    expect(res.status).toBe(403);
    expect((await bodyOf(res)).error.code).toBe('forbidden');
    expect((await session(viewer, id)).allowed.escalate).toBe(false);
    const token = await createApiToken(app.ctx, 'analyst');
    const byToken = await fetch(`${app.baseUrl}/api/sessions/${id}/escalate`, {
      method: 'POST',
      headers: { ...authHeaders(token), 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'Automation escalating', expectedVersion: 1 }),
    });
    expect(byToken.status).toBe(403);
    const unknown = await escalate(analyst, '7c0e9a52-0000-4000-8000-00000000e5c0', 'Looks odd', 1);
    expect(unknown.status).toBe(404);
    expect((await bodyOf(unknown)).error.code).toBe('not_found');
    expect(await events(id)).toEqual([]);
    expect(await audit(id, 'session.escalated')).toEqual([]);
  });

  it('answers 409 for a session already escalated, with the fresh state', async () => {
    const id = await escalated('twice');
    const { version } = await session(analyst2, id);
    const res = await escalate(analyst2, id, 'Me too', version);
    expect(res.status).toBe(409);
    const body = await bodyOf(res);
    expect(body.error.details).toMatchObject({ reason: 'already_escalated', session: { id, escalation: { by: analyst } } });
    expect((await events(id)).filter((event) => event.kind === 'escalate')).toHaveLength(1);
  });

  it('answers 409 for a decided session, one Didit decided, and a stale version', async () => {
    const decided = await inReview('decided');
    const opened = await session(analyst, decided);
    const decision = await post(analyst, `/api/sessions/${decided}/decision`, {
      decision: 'Approved',
      reason: 'same_person',
      expectedVersion: opened.version,
    });
    expect(decision.status).toBe(201);
    const afterDecision = await session(analyst, decided);
    expect(afterDecision.allowed.escalate).toBe(false);
    const late = await escalate(analyst, decided, 'Second thoughts', afterDecision.version);
    expect(late.status).toBe(409);
    expect((await bodyOf(late)).error.details).toMatchObject({ reason: 'decided' });

    const approved = await seedSession(app.ctx.db, { workflowId, status: 'Approved', vendorData: 'esc-approved' });
    const notInReview = await escalate(analyst, approved, 'Looks off', 1);
    expect(notInReview.status).toBe(409);
    expect((await bodyOf(notInReview)).error.details).toMatchObject({ reason: 'not_in_review' });

    const stale = await inReview('stale');
    await app.ctx.db.updateTable('verification_session').set({ version: 4 }).where('id', '=', stale).execute();
    const mismatch = await escalate(analyst, stale, 'Looks off', 1);
    expect(mismatch.status).toBe(409);
    expect((await bodyOf(mismatch)).error.details).toMatchObject({ reason: 'version_mismatch', currentVersion: 4 });
    expect((await sessionRow(stale)).escalated_at).toBeNull();
  });

  it('answers 409 when another analyst holds the session', async () => {
    const id = await inReview('held');
    expect((await post(analyst2, `/api/sessions/${id}/claim`)).status).toBe(200);
    const { version, allowed } = await session(analyst, id);
    expect(allowed.escalate).toBe(false);
    const res = await escalate(analyst, id, 'Looks off', version);
    expect(res.status).toBe(409);
    expect((await bodyOf(res)).error.details).toMatchObject({ reason: 'claimed_by_other', claimedBy: analyst2 });
  });

  it('refuses analysts a claim or a decision on an escalated session, saying it is escalated', async () => {
    const id = await escalated('analyst-refused');
    const claim = await post(analyst2, `/api/sessions/${id}/claim`);
    expect(claim.status).toBe(403);
    expect((await bodyOf(claim)).error).toMatchObject({ code: 'forbidden', details: { reason: 'escalated' } });
    const { version } = await session(analyst, id);
    const decision = await post(analyst, `/api/sessions/${id}/decision`, {
      decision: 'Declined',
      reason: 'different_person',
      expectedVersion: version,
    });
    expect(decision.status).toBe(403);
    const error = (await bodyOf(decision)).error;
    expect(error).toMatchObject({ code: 'forbidden', details: { reason: 'escalated' } });
    expect(error.message).toMatch(/escalated to a lead/);
    expect((await events(id)).map((event) => event.kind)).toEqual(['claim', 'escalate']);
  });

  it('lets a lead claim and decide an escalated session, which ends the escalation in the same transaction', async () => {
    const id = await escalated('lead-decides');
    const [, escalation] = await events(id);
    expect((await post(lead, `/api/sessions/${id}/claim`)).status).toBe(200);
    const { version } = await session(lead, id);
    const res = await post(lead, `/api/sessions/${id}/decision`, {
      decision: 'Declined',
      reason: 'different_person',
      note: 'Different person: the jawline differs.',
      expectedVersion: version,
    });
    expect(res.status).toBe(201);
    const after = sessionDetailSchema.parse(await bodyOf(res));
    expect(after.escalation).toBeNull();
    expect(after.pushState).toBe('pending');
    expect(await sessionRow(id)).toMatchObject({ escalated_at: null, escalated_by: null, escalation_event_id: null });
    expect((await events(id)).map((event) => event.kind)).toEqual(['claim', 'escalate', 'claim', 'decline']);
    const [decided] = await audit(id, 'session.decided');
    expect(decided).toMatchObject({ actor_label: lead, details: { decision: 'Declined', escalationEventId: escalation?.id } });
    expect(await queueIds(lead, 'q=esc-lead-decides&escalated=only')).toEqual([]);
  });

  it('returns an escalated session to the analysts’ queue with a lead’s note; only leads may', async () => {
    const id = await escalated('returned');
    const [, escalation] = await events(id);
    const refused = await post(analyst, `/api/sessions/${id}/de-escalate`, { note: 'Never mind' });
    expect(refused.status).toBe(403);
    expect((await post(lead, `/api/sessions/${id}/de-escalate`, { note: '' })).status).toBe(400);
    expect((await post(lead, `/api/sessions/${id}/claim`)).status).toBe(200);

    const res = await post(lead, `/api/sessions/${id}/de-escalate`, { note: 'Same person: the portrait is old. Approve it.' });
    expect(res.status).toBe(201);
    const after = sessionDetailSchema.parse(await bodyOf(res));
    expect(after.escalation).toBeNull();
    expect(after.claim).toBeNull();
    expect(await sessionRow(id)).toMatchObject({ escalated_at: null, escalation_event_id: null, claimed_by: null });
    const returned = (await events(id)).at(-1);
    expect(returned).toMatchObject({
      kind: 'de_escalate',
      actor_label: lead,
      note: 'Same person: the portrait is old. Approve it.',
    });
    expect(await audit(id, 'session.de_escalated')).toEqual([
      { actor_label: lead, details: { reviewEventId: returned?.id, escalationEventId: escalation?.id } },
    ]);
    const timeline = (await session(analyst2, id)).timeline.filter((entry) => entry.source === 'console');
    expect(timeline.map((entry) => entry.kind)).toEqual(['claim', 'escalate', 'claim', 'de_escalate']);
    expect(timeline.at(-1)).toMatchObject({ actor: lead, note: 'Same person: the portrait is old. Approve it.' });

    expect(await queueIds(analyst2, 'q=esc-returned')).toEqual([id]);
    expect((await post(analyst2, `/api/sessions/${id}/claim`)).status).toBe(200);
    const again = await post(lead, `/api/sessions/${id}/de-escalate`, { note: 'Again' });
    expect(again.status).toBe(409);
    expect((await bodyOf(again)).error.details).toMatchObject({ reason: 'not_escalated' });
  });

  it('ends an escalation’s hold once Didit decided the session outside the console', async () => {
    const id = await escalated('outside');
    // As the inbox applies Didit's status.updated for a decision made in Didit's own console.
    await app.ctx.db
      .updateTable('verification_session')
      .set({ status: 'Approved', in_review_since: null, decided_at: new Date(), decision_source: 'outside' })
      .where('id', '=', id)
      .execute();
    const forLead = await session(lead, id);
    expect(forLead.escalation).toBeNull();
    expect(forLead.allowed.deEscalate).toBe(false);
    const forAnalyst = await session(analyst2, id);
    expect(forAnalyst.allowed.decide).toEqual(['Declined']);
    const returned = await post(lead, `/api/sessions/${id}/de-escalate`, { note: 'Too late' });
    expect(returned.status).toBe(409);
    expect((await bodyOf(returned)).error.details).toMatchObject({ reason: 'not_escalated' });
  });

  it('skips escalated sessions when an analyst claims the next one; a lead claims them from the Escalated view', async () => {
    const skipped = await escalated('claim-next-a');
    const waiting = await inReview('claim-next-b');
    const next = await post(analyst2, '/api/queue/claim-next', { filters: { q: 'esc-claim-next', escalated: 'include' } });
    expect(next.status).toBe(200);
    expect((await bodyOf(next)).session.id).toBe(waiting);
    const none = await post(analyst2, '/api/queue/claim-next', { filters: { q: 'esc-claim-next', escalated: 'only' } });
    expect(none.status).toBe(404);
    const byLead = await post(lead, '/api/queue/claim-next', { filters: { q: 'esc-claim-next', escalated: 'only' } });
    expect(byLead.status).toBe(200);
    expect((await bodyOf(byLead)).session).toMatchObject({ id: skipped, claim: { label: lead } });
  });
});
