import { createHash, randomUUID } from 'node:crypto';
import { startReviewConsole } from '../../test/helpers/review-console.ts';
import { signedInPeople } from '../../test/helpers/signed-in.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { bodyOf } from '../../test/helpers/http.ts';
import { pdfImageCount, pdfPageToPng, pdfText, pngInk } from '../../test/helpers/pdf.ts';
import { seedSession } from '../../test/helpers/seed.ts';
import { type SsoTestConsole } from '../../test/helpers/sso.ts';
import { runJobsOnce } from '../../test/helpers/sync-worker.ts';
import { type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { repairSessionFromDidit } from '../sync/repair-session.ts';
import { buildTaskList } from '../worker/runner.ts';

/**
 * Evidence packs (issue 20) over real HTTP: people signed in through the dev IdP, a session
 * decided in the console and confirmed by the Didit sandbox, the PDF read back with poppler.
 */
describe('evidence pack', () => {
  let app: SsoTestConsole;
  let sandbox: RunningSandbox;
  let workflowId: string;
  const { send, post, get } = signedInPeople(() => app.baseUrl);
  const packOf = (email: string, id: string) => get(email, `/api/sessions/${id}/evidence-pack.pdf`);
  const runWorker = () => runJobsOnce(app.ctx.pool, buildTaskList(app.ctx));

  /** A session In Review at the sandbox (faces differ), mirrored here through Didit's decision. */
  async function inReviewSession(vendorData: string): Promise<string> {
    const created = sandbox.createSession({
      workflow_id: workflowId,
      vendor_data: vendorData,
      portrait_image: sandbox.portraitFor(vendorData),
    });
    const id = created.session_id as string;
    sandbox.openSession(id);
    sandbox.completeSession(id, { capture: 'mismatch', faceMatchScore: 60 });
    expect(sandbox.decision(id).status).toBe('In Review');
    await repairSessionFromDidit(app.ctx, id);
    return id;
  }

  /** An analyst claims, a lead notes, the analyst declines; Didit confirms and we read it back. */
  async function declinedSession(vendorData: string): Promise<string> {
    const id = await inReviewSession(vendorData);
    const claimed = await bodyOf(await post('analyst@example.test', `/api/sessions/${id}/claim`));
    expect((await post('lead@example.test', `/api/sessions/${id}/notes`, { note: 'Looks like a printed photo.' })).status).toBe(
      201,
    );
    const { version } = await bodyOf(await get('analyst@example.test', `/api/sessions/${id}`));
    expect(claimed.id).toBe(id);
    const decided = await post('analyst@example.test', `/api/sessions/${id}/decision`, {
      decision: 'Declined',
      reason: 'different_person',
      note: 'Jawline and eyes differ from the portrait.',
      expectedVersion: version,
    });
    expect(decided.status).toBe(201);
    await runWorker();
    expect(sandbox.decision(id).status).toBe('Declined');
    await repairSessionFromDidit(app.ctx, id);
    const session = await app.ctx.db
      .selectFrom('verification_session')
      .select(['status', 'review_push_state'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(session).toEqual({ status: 'Declined', review_push_state: 'confirmed' });
    return id;
  }

  async function sha256OfImages(id: string): Promise<{ selfie: string; portrait: string }> {
    const { media } = await app.ctx.db
      .selectFrom('verification_session')
      .select('media')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const hash = async (url: string | undefined) => {
      expect(url).toBeTruthy();
      const res = await fetch(url!);
      expect(res.status).toBe(200);
      return createHash('sha256')
        .update(new Uint8Array(await res.arrayBuffer()))
        .digest('hex');
    };
    return { selfie: await hash(media.selfie), portrait: await hash(media.portrait) };
  }

  const packAudits = (id: string) =>
    app.ctx.db
      .selectFrom('audit_log')
      .select(['actor_label', 'details'])
      .where('target_id', '=', id)
      .where('action', '=', 'session.evidence_pack_generated')
      .orderBy('id')
      .execute();

  async function applyVersion(version: number, thresholds: [number, number, number, number], appliedAt: Date): Promise<void> {
    await app.ctx.db
      .insertInto('threshold_version')
      .values({
        workflow_id: workflowId,
        version,
        liveness_review: thresholds[0],
        liveness_decline: thresholds[1],
        face_match_review: thresholds[2],
        face_match_decline: thresholds[3],
        reason: `version ${version} for the evidence pack test`,
        state: 'applied',
        proposed_by_label: 'lead@example.test',
        decided_by_label: 'lead2@example.test',
        decided_at: appliedAt,
        applied_at: appliedAt,
      })
      .execute();
  }

  beforeAll(async () => {
    ({ app, sandbox, workflowId } = await startReviewConsole({ seed: 20, mediaTtlSeconds: 3600 }));
    await applyVersion(1, [70, 50, 80, 60], new Date(Date.now() - 2 * 86_400_000));
    return () => sandbox.stop();
  });

  it('gives an analyst the PDF of a decided session: scores, versions, warnings, notes, audit entries and image hashes', async () => {
    const id = await declinedSession('person-evidence-pack');
    // Thresholds changed after the decision: the pack names both versions.
    await applyVersion(2, [75, 55, 85, 65], new Date());
    // Retention took one note's text (RETENTION_NOTES=remove).
    await app.ctx.db
      .insertInto('review_event')
      .values({
        session_id: id,
        kind: 'note',
        actor_id: null,
        actor_label: 'analyst2@example.test',
        note: null,
        note_removed_at: new Date('2026-12-02T00:00:00.000Z'),
      })
      .execute();

    const res = await packOf('analyst@example.test', id);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-disposition')).toMatch(
      new RegExp(`^attachment; filename="evidence-pack-${id}-\\d{8}T\\d{6}Z\\.pdf"$`),
    );
    const pdf = new Uint8Array(await res.arrayBuffer());
    expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');

    const text = await pdfText(pdf);
    const session = await app.ctx.db
      .selectFrom('verification_session')
      .select(['liveness_score', 'face_match_score', 'warning_codes'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(text).toContain(`Session ${id}`);
    expect(text).toContain('Declined');
    expect(text).toContain(String(Math.round(session.liveness_score! * 100) / 100));
    expect(text).toContain(String(Math.round(session.face_match_score! * 100) / 100));
    expect(text).toContain('Scored under (version 1)');
    expect(text).toContain('In force now (version 2)');
    expect(text).toContain('review 85 / decline 65');
    expect(session.warning_codes.length).toBeGreaterThan(0);
    for (const code of session.warning_codes) expect(text).toContain(code);
    expect(text).toContain('Looks like a printed photo.');
    expect(text).toContain('Jawline and eyes differ from the portrait.');
    expect(text).toContain('removed by retention on 2026-12-02 00:00:00 UTC');
    expect(text).toContain('analyst@example.test');

    const actions = await app.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .distinct()
      .where('target_type', '=', 'session')
      .where('target_id', '=', id)
      .where('action', '<>', 'session.evidence_pack_generated')
      .execute();
    expect(actions.map((row) => row.action)).toEqual(expect.arrayContaining(['session.claimed', 'session.decided']));
    for (const { action } of actions) expect(text).toContain(action);

    const hashes = await sha256OfImages(id);
    expect(hashes.selfie).toMatch(/^[0-9a-f]{64}$/);
    expect(text).toContain(hashes.selfie);
    expect(text).toContain(hashes.portrait);
    expect(await pdfImageCount(pdf)).toBe(0);
    expect(Buffer.from(pdf).toString('latin1')).not.toContain('/Subtype /Image');

    const png = await pdfPageToPng(pdf, { page: 1, dpi: 50 });
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(pngInk(png).inkShare).toBeGreaterThan(0.005);

    const audits = await packAudits(id);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toEqual({
      actor_label: 'analyst@example.test',
      details: {
        pages: expect.any(Number),
        sha256: createHash('sha256').update(pdf).digest('hex'),
        imagesIncluded: false,
      },
    });
    const pages = (audits[0]!.details as { pages: number }).pages;
    expect(text).toContain(`Page ${pages} of ${pages}`);
    expect(text).toContain(`by analyst@example.test · session ${id}`);
  });

  it('embeds the images only where a lead set the workflow policy, and audits the change', async () => {
    const id = await declinedSession('person-evidence-images');
    const path = `/api/workflows/${workflowId}/evidence-pack-images`;
    expect((await send('analyst@example.test', 'PUT', path, { evidencePackImages: true })).status).toBe(403);
    expect((await send('lead@example.test', 'PUT', path, { evidencePackImages: 'yes' })).status).toBe(400);
    const changed = await send('lead@example.test', 'PUT', path, { evidencePackImages: true });
    expect(changed.status).toBe(200);
    expect(await bodyOf(changed)).toEqual({ id: workflowId, label: 'Returning user', evidencePackImages: true });
    expect((await bodyOf(await get('viewer@example.test', `/api/workflows/${workflowId}`))).evidencePackImages).toBe(true);
    const changes = await app.ctx.db
      .selectFrom('audit_log')
      .select(['actor_label', 'details'])
      .where('action', '=', 'workflow.evidence_pack_images_changed')
      .where('target_id', '=', workflowId)
      .execute();
    expect(changes).toEqual([{ actor_label: 'lead@example.test', details: { from: false, to: true } }]);

    try {
      const res = await packOf('lead@example.test', id);
      expect(res.status).toBe(200);
      const pdf = new Uint8Array(await res.arrayBuffer());
      expect(await pdfImageCount(pdf)).toBe(2);
      expect(Buffer.from(pdf).toString('latin1')).toContain('/Subtype /Image');
      const hashes = await sha256OfImages(id);
      const text = await pdfText(pdf);
      expect(text).toContain(hashes.selfie);
      expect(text).toContain(hashes.portrait);
      expect((await packAudits(id)).map((row) => row.details)).toEqual([
        { pages: expect.any(Number), sha256: createHash('sha256').update(pdf).digest('hex'), imagesIncluded: true },
      ]);
    } finally {
      expect((await send('lead@example.test', 'PUT', path, { evidencePackImages: false })).status).toBe(200);
    }
  });

  it('refuses a session still In Review (409 not_decided), a viewer (403) and an unknown session (404), writing nothing', async () => {
    const inReview = await inReviewSession('person-still-in-review');
    const refused = await packOf('analyst@example.test', inReview);
    expect(refused.status).toBe(409);
    expect((await bodyOf(refused)).error).toMatchObject({ code: 'conflict', details: { reason: 'not_decided' } });

    const declined = await seedSession(app.ctx.db, { workflowId, status: 'Declined' });
    const viewer = await packOf('viewer@example.test', declined);
    expect(viewer.status).toBe(403);
    expect((await bodyOf(viewer)).error.code).toBe('forbidden');

    expect((await packOf('analyst@example.test', randomUUID())).status).toBe(404);
    expect((await packOf('analyst@example.test', 'not-a-session')).status).toBe(400);
    expect(await packAudits(inReview)).toEqual([]);
    expect(await packAudits(declined)).toEqual([]);
  });

  it('refuses an erased session (409 erased)', async () => {
    const erased = await seedSession(app.ctx.db, { workflowId, status: 'Declined' });
    await app.ctx.db
      .updateTable('verification_session')
      .set({ personal_data_removal: 'erasure', personal_data_removed_at: new Date() })
      .where('id', '=', erased)
      .execute();
    const res = await packOf('admin@example.test', erased);
    expect(res.status).toBe(409);
    expect((await bodyOf(res)).error).toMatchObject({ code: 'conflict', details: { reason: 'erased' } });
    expect(await packAudits(erased)).toEqual([]);
  });

  it('says "not available" for an image it cannot fetch, rather than failing', async () => {
    const id = await seedSession(app.ctx.db, { workflowId, status: 'Approved' });
    await app.ctx.db
      .updateTable('verification_session')
      .set({
        decided_at: new Date(),
        // The sandbox's origin, a link it did not sign: the fetch is refused.
        media: JSON.stringify({ selfie: `${sandbox.url}/media/unknown/selfie.jpg?sig=1` }),
        media_expires_at: new Date(Date.now() + 3_600_000),
      })
      .where('id', '=', id)
      .execute();
    const res = await packOf('analyst2@example.test', id);
    expect(res.status).toBe(200);
    const text = await pdfText(new Uint8Array(await res.arrayBuffer()));
    expect(text).toMatch(/Selfie\s+not available: Didit answered 4\d\d/);
    expect(text).toMatch(/Portrait\s+not available: no link held/);
    expect(text).not.toContain('sig=1');
  });
});
