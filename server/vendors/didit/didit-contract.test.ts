import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiditClient } from './didit-client.ts';
import { DiditApiError } from './didit-error.ts';
import { adaptDiditDecision } from './adapt.ts';
import type { RateBudget } from './rate-budget.ts';
import { thresholdPatchBody, UnsafeThresholdPatchError } from './workflows.ts';
import { verifyDiditWebhook } from '../../webhooks/verify-signature.ts';
import { errorHandler } from '../../errors.ts';

/**
 * The console's Didit client against example responses recorded from Didit's own docs
 * (test/fixtures/didit/, each with the page it came from), independent of the sandbox: what
 * Didit documents must parse, and what the client sends must have the documented shape.
 */

interface Fixture {
  _source: string;
  status?: number;
  request?: { method: string; path: string };
  body: unknown;
}
const fixture = (name: string): Fixture =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, '../../../test/fixtures/didit', `${name}.json`), 'utf8')) as Fixture;

const budget: RateBudget = { acquire: () => Promise.resolve(0), observe: () => Promise.resolve() };

interface Sent {
  method: string;
  path: string;
  headers: Headers;
  body: unknown;
}

/** A client whose Didit answers each request with the fixture `answer` picks for it. */
function clientAnswering(answer: (req: Sent) => Fixture) {
  const sent: Sent[] = [];
  const client = new DiditClient({
    baseUrl: 'https://verification.didit.invalid',
    apiKey: 'test-key-123',
    budget,
    maxAttempts: 1,
    fetch: (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      const req: Sent = {
        method: init?.method ?? 'GET',
        path: url.pathname,
        headers: new Headers(init?.headers),
        body: typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
      };
      sent.push(req);
      const f = answer(req);
      return Promise.resolve(
        new Response(JSON.stringify(f.body), { status: f.status ?? 200, headers: { 'content-type': 'application/json' } }),
      );
    },
  });
  return { client, sent };
}

const schema = fixture('feature-config-schema.liveness-face-match').body as {
  features: Record<'LIVENESS' | 'FACE_MATCH', { fields: Record<string, { type: string; minimum?: number; maximum?: number }> }>;
};

describe('Didit contract: workflows (recorded from docs.didit.me/management-api/workflows)', () => {
  it('reads the list as one row per version and keeps each workflow’s latest published version', async () => {
    const { client, sent } = clientAnswering(() => fixture('workflow-list'));
    const published = await client.listPublishedWorkflows();
    expect(sent[0]).toMatchObject({ method: 'GET', path: '/v3/workflows/' });
    expect(sent[0]?.headers.get('x-api-key')).toBe('test-key-123');
    // The second row is a draft of a workflow with no published version: nothing in force.
    expect([...published.keys()]).toEqual(['a1b2c3d4-5678-90ab-cdef-111111111111']);
    expect(published.get('a1b2c3d4-5678-90ab-cdef-111111111111')).toMatchObject({
      latest: { version: 2, status: 'published', features: ['OCR', 'LIVENESS', 'FACE_MATCH'] },
      draft: null,
    });
  });

  it('reads the older generations of the list (bare array, list-form features)', async () => {
    for (const name of ['workflow-list.array-generation', 'workflow-list.legacy']) {
      const { client } = clientAnswering(() => fixture(name));
      const versions = await client.listWorkflowVersions();
      expect(versions.map((v) => v.workflowId)).toContain('a1b2c3d4-5678-90ab-cdef-111111111111');
      // A row without status is in force; a documentation id that is not hex is left out, not fatal.
      const published = await clientAnswering(() => fixture(name)).client.listPublishedWorkflows();
      expect(published.get('a1b2c3d4-5678-90ab-cdef-111111111111')?.latest.status).toBe('published');
      for (const id of published.keys()) expect(id).toMatch(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/);
    }
  });

  it('reads a version’s thresholds and method from the documented flat detail', async () => {
    const { client, sent } = clientAnswering(() => fixture('workflow-get'));
    const settings = await client.getWorkflowSettings('a1b2c3d4-5678-90ab-cdef-111111111111');
    expect(sent[0]?.path).toBe('/v3/workflows/a1b2c3d4-5678-90ab-cdef-111111111111/');
    expect(settings).toMatchObject({
      version: 2,
      status: 'published',
      form: 'legacy',
      hasLiveness: true,
      hasFaceMatch: true,
      livenessMethod: 'PASSIVE',
      thresholds: { livenessReview: 70, livenessDecline: 50, faceMatchReview: 60, faceMatchDecline: 40 },
    });
  });

  it('sends thresholds in the documented features[].config form: integers, known config keys, enums in upper case', async () => {
    const { client } = clientAnswering(() => fixture('workflow-get'));
    const settings = await client.getWorkflowSettings('a1b2c3d4-5678-90ab-cdef-111111111111');
    const body = thresholdPatchBody(settings, {
      livenessReview: 72,
      livenessDecline: 48,
      faceMatchReview: 65,
      faceMatchDecline: 45,
    });
    // The documented request: a body of whitelisted keys, features as {feature, config} items.
    const documented = fixture('workflow-update-request.features').body as {
      features: Array<{ feature: string; config: object }>;
    };
    expect(Object.keys(body)).toEqual(Object.keys(documented));
    expect(body.features.map((f) => Object.keys(f).sort())).toEqual(
      documented.features.slice(0, 2).map((f) => Object.keys(f).sort()),
    );
    expect(body).toEqual({
      features: [
        {
          feature: 'LIVENESS',
          config: {
            face_liveness_method: 'PASSIVE',
            face_liveness_score_review_threshold: 72,
            face_liveness_score_decline_threshold: 48,
          },
        },
        { feature: 'FACE_MATCH', config: { face_match_score_review_threshold: 65, face_match_score_decline_threshold: 45 } },
      ],
    });
    for (const item of body.features) {
      const fields = schema.features[item.feature as 'LIVENESS' | 'FACE_MATCH'].fields;
      for (const [key, value] of Object.entries(item.config as Record<string, unknown>)) {
        expect(Object.keys(fields)).toContain(key);
        if (fields[key]?.type === 'integer') expect(Number.isInteger(value)).toBe(true);
      }
    }
  });

  it('refuses to PATCH a workflow whose list row names features the detail does not configure (OCR would be reset)', async () => {
    const { client } = clientAnswering(() => fixture('workflow-get'));
    const settings = await client.getWorkflowSettings('a1b2c3d4-5678-90ab-cdef-111111111111');
    const listed = ['OCR', 'LIVENESS', 'FACE_MATCH'];
    expect(() =>
      thresholdPatchBody(
        settings,
        { livenessReview: 72, livenessDecline: 48, faceMatchReview: 65, faceMatchDecline: 45 },
        listed,
      ),
    ).toThrow(UnsafeThresholdPatchError);
  });

  it('reads the create response (published version 1, list-form features)', async () => {
    const { client } = clientAnswering(() => fixture('workflow-create-response'));
    const settings = await client.getWorkflowSettings('c3d4e5f6-7890-12cd-ef34-333333333333');
    expect(settings).toMatchObject({ version: 1, status: 'published', featureNames: ['OCR', 'LIVENESS', 'FACE_MATCH'] });
  });
});

describe('Didit contract: sessions (recorded from docs.didit.me/sessions-api)', () => {
  it('sends update-status with the documented body and reads the documented answer', async () => {
    const request = fixture('update-status-request');
    const { client, sent } = clientAnswering(() => fixture('update-status-response'));
    const id = '11111111-2222-3333-4444-555555555555';
    const answer = await client.updateStatus(id, request.body as { new_status: 'Approved'; comment: string });
    expect(sent[0]).toMatchObject({ method: 'PATCH', path: request.request?.path, body: request.body });
    expect(sent[0]?.headers.get('content-type')).toBe('application/json');
    expect(answer).toEqual({ sessionId: '3472fb7c-8f7c-4d1a-9cf4-cf3d74ce1a60' });
  });

  it('reads the documented face-match block, telling the portrait from the selfie', () => {
    const legacy = fixture('decision-face-match.legacy-v2').body as Record<string, unknown>;
    const snapshot = adaptDiditDecision(
      { session_id: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE', status: 'In Review', ...legacy },
      { mediaOrigins: ['https://example.com'] },
    );
    // Didit's own example id is 8-4-4-4-12 hex, not RFC 4122; kept, lowercased.
    expect(snapshot.sessionId).toBe('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
    expect(snapshot).toMatchObject({ faceMatchStatus: 'In Review', faceMatchScore: 65.43 });
    // No liveness selfie to compare with: the documented mapping (source = portrait).
    expect(snapshot.media).toEqual({
      portrait: 'https://example.com/source-image.jpg',
      faceMatchSelfie: 'https://example.com/target-image.jpg',
    });
  });
});

describe('Didit contract: errors and signatures', () => {
  it('maps Didit’s documented 401 and 403 to stable errors, never to the console’s own 401/403', async () => {
    for (const [name, code] of [
      ['error-auth-401', 'unauthorized'],
      ['error-auth-403', 'forbidden'],
    ] as const) {
      const { client } = clientAnswering(() => fixture(name));
      const error = await client.getWorkflowSettings('a1b2c3d4-5678-90ab-cdef-111111111111').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DiditApiError);
      expect(error).toMatchObject({ code, status: fixture(name).status });
      let answered: { status: number; body: { error: { code: string; message: string } } } | undefined;
      const res = {
        headersSent: false,
        setHeader: () => res,
        status: (status: number) => ({ json: (body: never) => (answered = { status, body }) }),
      };
      errorHandler(error, { id: 'r1', log: { warn: () => {}, error: () => {} } } as never, res as never, () => {});
      expect(answered?.status).toBe(502);
      expect(answered?.body.error).toMatchObject({ code: 'upstream_error' });
      expect(answered?.body.error.message).toMatch(/Didit/);
    }
  });

  it('verifies every case of Didit’s published webhook signature vectors, and the session id is not RFC 4122', async () => {
    const vectors = fixture('webhook-signatures.plugin-wordpress').body as {
      secret: string;
      timestamp: number;
      session_id: string;
      cases: Record<string, { body: string; signatures: { raw: string; v2: string } }>;
    };
    expect(vectors.session_id).toBe('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
    const { sessionEventSchema } = await import('./didit-schemas.ts');
    expect(Object.keys(vectors.cases).length).toBeGreaterThan(0);
    for (const [name, c] of Object.entries(vectors.cases)) {
      for (const [variant, headers] of [
        ['v2', { signatureV2: c.signatures.v2, signature: undefined }],
        ['v1', { signatureV2: undefined, signature: c.signatures.raw }],
      ] as const) {
        const verdict = verifyDiditWebhook(
          Buffer.from(c.body, 'utf8'),
          { timestamp: String(vectors.timestamp), signatureSimple: undefined, ...headers },
          { secrets: [vectors.secret], nowSeconds: vectors.timestamp },
        );
        expect(verdict, `${name} ${variant}`).toMatchObject({ ok: true, variant });
        if (verdict.ok) {
          const parsed = sessionEventSchema.safeParse(verdict.payload);
          expect(parsed.success, name).toBe(true);
        }
      }
    }
  });
});
