import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { createContext, type AppContext } from '../context.ts';
import { startSandbox, type RunningSandbox } from '../didit-sandbox/sandbox.ts';
import { listen } from '../http/server.ts';
import { afterFile } from '../../test/helpers/after-file.ts';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { mediaUrl, postDelivery, sessionEvent, signedDelivery, stringField } from '../../test/helpers/didit-events.ts';
import { livenessOnlyWorkflow } from '../../test/helpers/didit-workflows.ts';
import { freePort } from '../../test/helpers/free-port.ts';
import { seedWorkflow } from '../../test/helpers/seed.ts';
import { TEST_MEDIA_ORIGIN, testConfig } from '../../test/helpers/test-context.ts';
import { processSessionInbox } from './inbox-processor.ts';
import { repairSessionFromDidit } from './repair-session.ts';

/**
 * Issue 15, finding 6: a decision (signed webhook or decision read) chooses the links the
 * reviewer's browser loads with its cookie. Only links on DIDIT_MEDIA_ORIGINS are kept; the rest
 * are dropped with a warning that names the origin, never the link.
 */

const SECRET = 'media-origins-secret-0001';

let sandbox: RunningSandbox;
let ctx: AppContext;
let baseUrl: string;
let viewer: string;
let workflowId: string;
let sandboxWorkflowId: string;
const logLines: string[] = [];

beforeAll(async () => {
  // The console's own address, known before it starts, so the "Didit" below can point media at it.
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  // A Didit whose decision links point at the console itself (a compromised or spoofed media host).
  sandbox = await startSandbox({ seed: 61, mediaBaseUrl: baseUrl });
  afterFile(() => sandbox.stop());
  const database = await createTestDatabase();
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) });
  ctx = await createContext(
    testConfig({
      DATABASE_URL: database.url,
      PUBLIC_URL: baseUrl,
      DIDIT_BASE_URL: sandbox.url,
      DIDIT_API_KEY: sandbox.apiKey,
      DIDIT_WEBHOOK_SECRET: SECRET,
    }),
    { logger },
  );
  afterFile(() => ctx.close());
  const http = await listen(createApp(ctx), '127.0.0.1', port, ctx.logger);
  afterFile(() => http.close(1_000));
  viewer = await createApiToken(ctx, 'analyst');
  workflowId = await seedWorkflow(ctx.db);
  sandboxWorkflowId = stringField(sandbox.createWorkflow(livenessOnlyWorkflow()), 'workflow_id');
});

const sessionRow = (id: string) =>
  ctx.db.selectFrom('verification_session').select(['media', 'media_expires_at']).where('id', '=', id).executeTakeFirstOrThrow();

/** Warnings logged about dropped links for this session. */
const droppedLogs = (sessionId: string) =>
  logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry['sessionId'] === sessionId);

async function deliver(event: Record<string, unknown>): Promise<void> {
  expect((await postDelivery(baseUrl, signedDelivery(event, SECRET))).status).toBe(200);
  await processSessionInbox(ctx, String(event['session_id']));
}

/** A signed In Review event whose liveness selfie and face-match images are the given links. */
function eventWithMedia(links: { selfie: string; source?: string; target?: string }): Record<string, unknown> {
  const event = sessionEvent({ workflowId, status: 'In Review' });
  const decision = event['decision'] as {
    liveness_checks: Array<Record<string, unknown>>;
    face_matches: Array<Record<string, unknown>>;
  };
  decision.liveness_checks[0] = { ...decision.liveness_checks[0], reference_image: links.selfie };
  if (links.source) decision.face_matches[0] = { ...decision.face_matches[0], source_image: links.source };
  if (links.target) decision.face_matches[0] = { ...decision.face_matches[0], target_image: links.target };
  return event;
}

describe('media links in a signed webhook', () => {
  it('drops a selfie link that points at the console itself, so the session page never hands it to a browser', async () => {
    const exportPath = '/api/audit/export?format=csv&from=2026-01-01';
    const event = eventWithMedia({ selfie: exportPath, source: `${baseUrl}${exportPath}` });
    const sessionId = String(event['session_id']);
    await deliver(event);

    const row = await sessionRow(sessionId);
    // The portrait link came from the configured media host and stays; the rest is gone.
    expect(Object.keys(row.media).sort()).toEqual(['faceMatchSelfie']);
    expect(row.media['faceMatchSelfie']?.startsWith(`${TEST_MEDIA_ORIGIN}/`)).toBe(true);

    const res = await fetch(`${baseUrl}/api/sessions/${sessionId}`, { headers: authHeaders(viewer) });
    expect(res.status).toBe(200);
    const detail = (await res.json()) as { media: Record<string, unknown> };
    expect(detail.media).toMatchObject({ selfie: null, portrait: null });
    expect(JSON.stringify(detail.media)).not.toContain('/api/audit/export');
    const audits = await ctx.db.selectFrom('audit_log').select('action').where('action', 'like', '%export%').execute();
    expect(audits).toEqual([]);

    const logs = droppedLogs(sessionId);
    expect(logs.map((entry) => ({ role: entry['role'], origin: entry['origin'], level: entry['level'] }))).toEqual([
      { role: 'selfie', origin: '(relative link)', level: 40 },
      { role: 'portrait', origin: baseUrl, level: 40 },
    ]);
    expect(logLines.join('\n')).not.toContain('audit/export');
  });

  it('keeps only exact origins: look-alike hosts, credentials, another port or scheme are dropped', async () => {
    const signedAt = new Date();
    const event = eventWithMedia({
      selfie: mediaUrl('https://media.example.test.evil.example', 'face/reference.jpg', signedAt),
      source: mediaUrl('https://media.example.test@evil.example', 'face-match/source.jpg', signedAt),
      target: mediaUrl('https://media.example.test:8443', 'face-match/target.jpg', signedAt),
    });
    const sessionId = String(event['session_id']);
    await deliver(event);

    expect((await sessionRow(sessionId)).media).toEqual({});
    expect((await sessionRow(sessionId)).media_expires_at).toBeNull();
    expect(new Set(droppedLogs(sessionId).map((entry) => entry['origin']))).toEqual(
      new Set(['https://media.example.test.evil.example', 'https://evil.example', 'https://media.example.test:8443']),
    );
    // Never the signed link: no path, no signature.
    expect(logLines.join('\n')).not.toMatch(/X-Amz-Signature|face-match\/source\.jpg/);
  });

  it('keeps links on the configured media origin', async () => {
    const event = sessionEvent({ workflowId, status: 'In Review' });
    await deliver(event);
    const row = await sessionRow(String(event['session_id']));
    expect(Object.keys(row.media).sort()).toEqual(['faceMatchSelfie', 'portrait', 'selfie']);
    expect(droppedLogs(String(event['session_id']))).toEqual([]);
  });
});

describe('media links in a decision read from Didit', () => {
  /** A session completed at the sandbox, whose links point at the console's own origin. */
  function completedAtDidit(): string {
    const id = stringField(sandbox.createSession({ workflow_id: sandboxWorkflowId, vendor_data: randomUUID() }), 'session_id');
    sandbox.completeSession(id, { capture: 'match' });
    return id;
  }

  it('drops links outside DIDIT_MEDIA_ORIGINS from GET decision (reconciliation repairs)', async () => {
    const id = completedAtDidit();
    const snapshot = await ctx.didit.getDecision(id);
    expect(snapshot.media).toEqual({});
    expect(snapshot.rejectedMedia.map((r) => r.origin)).toContain(baseUrl);

    expect(await repairSessionFromDidit(ctx, id)).toBe('applied');
    expect((await sessionRow(id)).media).toEqual({});
    expect(droppedLogs(id).every((entry) => entry['origin'] === baseUrl)).toBe(true);
  });

  it('a media refresh does not bring such links back', async () => {
    const id = completedAtDidit();
    await repairSessionFromDidit(ctx, id);
    // Links stored earlier from the real media host, now expiring: the refresh asks Didit again.
    await ctx.db
      .updateTable('verification_session')
      .set({
        media: JSON.stringify({ selfie: mediaUrl(TEST_MEDIA_ORIGIN, 'face/old.jpg', new Date(Date.now() - 7_200_000)) }),
        media_expires_at: new Date(Date.now() - 3_600_000),
      })
      .where('id', '=', id)
      .execute();

    const refreshed = await ctx.media.refresh(id, { force: true });
    expect(refreshed).toMatchObject({ refreshed: true, media: {} });
    expect((await sessionRow(id)).media).toEqual({});
  });

  it('keeps links stored before the check (or before the origins narrowed) from reaching a browser', async () => {
    const event = eventWithMedia({ selfie: mediaUrl(TEST_MEDIA_ORIGIN, 'face/kept.jpg', new Date(Date.now() + 3_600_000)) });
    const sessionId = String(event['session_id']);
    await deliver(event);
    // As a row from before this fix would hold it: a link into the console itself.
    const stored = (await sessionRow(sessionId)).media;
    await ctx.db
      .updateTable('verification_session')
      .set({ media: JSON.stringify({ ...stored, selfie: `${baseUrl}/api/audit/export?format=csv` }) })
      .where('id', '=', sessionId)
      .execute();

    const res = await fetch(`${baseUrl}/api/sessions/${sessionId}`, { headers: authHeaders(viewer) });
    expect(res.status).toBe(200);
    const detail = (await res.json()) as { media: Record<string, string | null> };
    expect(detail.media['selfie']).toBeNull();
    expect(detail.media['portrait']?.startsWith(`${TEST_MEDIA_ORIGIN}/`)).toBe(true);
    expect(JSON.stringify(detail)).not.toContain('/api/audit/export');
  });
});
