import jpeg from 'jpeg-js';
import { jsonText } from './canonical-json.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from './sandbox.ts';
import { call, FACE_MATCH_WORKFLOW, LIVENESS_ONLY_WORKFLOW } from './test-helpers.ts';

let sandbox: RunningSandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

describe('rate limits', () => {
  it('answers 429 with X-RateLimit-* and Retry-After once a scope is exhausted', async () => {
    let clock = Date.UTC(2026, 0, 1);
    sandbox = await startSandbox({ rateLimits: { genericGet: 3 }, now: () => clock });
    for (let i = 0; i < 3; i++) {
      const ok = await call(sandbox, 'GET', '/v3/workflows/');
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-ratelimit-remaining')).toBe(jsonText(2 - i));
    }
    const refused = await call(sandbox, 'GET', '/v3/workflows/');
    expect(refused.status).toBe(429);
    expect(refused.body.detail).toMatch(/throttled/);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('3');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('x-ratelimit-reset')).toBe(jsonText(clock / 1000 + 60));
    expect(refused.headers.get('retry-after')).toBe('60');
    clock += 30_000;
    expect((await call(sandbox, 'GET', '/v3/workflows/')).headers.get('retry-after')).toBe('30');
    clock += 30_000;
    expect((await call(sandbox, 'GET', '/v3/workflows/')).status).toBe(200);
  });

  it('counts the decision scope separately and on top of generic GETs', async () => {
    sandbox = await startSandbox({ rateLimits: { sessionDecision: 2 } });
    const workflow = sandbox.createWorkflow({ features: [{ feature: 'LIVENESS' }] });
    const id = jsonText(sandbox.createSession({ workflow_id: jsonText(workflow['workflow_id']) })['session_id']);
    expect((await call(sandbox, 'GET', `/v3/session/${id}/decision/`)).status).toBe(200);
    expect((await call(sandbox, 'GET', `/v3/session/${id}/decision/`)).status).toBe(200);
    const refused = await call(sandbox, 'GET', `/v3/session/${id}/decision/`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('2');
    expect((await call(sandbox, 'GET', '/v3/sessions/')).status).toBe(200);
  });

  it('counts writes against generic-write and session creation against its own scope', async () => {
    sandbox = await startSandbox({ rateLimits: { genericWrite: 2, sessionCreate: 1 } });
    const workflow = sandbox.createWorkflow({ features: [{ feature: 'LIVENESS' }] });
    const body = { workflow_id: workflow['workflow_id'] };
    expect((await call(sandbox, 'POST', '/v3/session/', body)).status).toBe(201);
    expect((await call(sandbox, 'POST', '/v3/session/', body)).status).toBe(429);
    expect((await call(sandbox, 'POST', '/v3/workflows/', LIVENESS_ONLY_WORKFLOW)).status).toBe(201);
    expect((await call(sandbox, 'POST', '/v3/workflows/', LIVENESS_ONLY_WORKFLOW)).status).toBe(429);
  });
});

describe('media links', () => {
  function completedSession(sb: RunningSandbox, capture: 'match' | 'mismatch' = 'match') {
    const workflow = sb.createWorkflow(FACE_MATCH_WORKFLOW);
    const id = jsonText(
      sb.createSession({
        workflow_id: jsonText(workflow['workflow_id']),
        vendor_data: 'media-user',
        portrait_image: sb.portraitFor('media-user'),
      })['session_id'],
    );
    return sb.completeSession(id, { capture, seed: 9 });
  }
  const urls = (decision: Record<string, unknown>) => {
    const fm = (decision['face_matches'] as { source_image: string; target_image: string }[])[0]!;
    const lv = (decision['liveness_checks'] as { reference_image: string }[])[0]!;
    return { source: fm.source_image, target: fm.target_image, selfie: lv.reference_image };
  };

  it('serves presigned-style JPEG links and mints fresh ones on every decision read', async () => {
    sandbox = await startSandbox({ seed: 2 });
    const decision = completedSession(sandbox);
    const { source, selfie } = urls(decision);
    expect(source).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/media\/face-match\/.+\/source\.jpg\?X-Amz-Algorithm=AWS4-HMAC-SHA256&.*X-Amz-Date=\d{8}T\d{6}Z&X-Amz-Expires=3600&.*X-Amz-Signature=[0-9a-f]{64}$/,
    );
    const res = await fetch(selfie);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    const again = urls(sandbox.decision(jsonText(decision['session_id'])));
    expect(again.selfie).not.toBe(selfie);
  });

  it('links a capture video for flashing and 3D liveness, and none for passive', async () => {
    sandbox = await startSandbox({ seed: 4 });
    const sb = sandbox;
    const videoOf = (method: string) => {
      const workflow = sb.createWorkflow({
        workflow_label: method,
        features: [{ feature: 'LIVENESS', config: { face_liveness_method: method } }],
      });
      const id = jsonText(
        sb.createSession({ workflow_id: jsonText(workflow['workflow_id']), vendor_data: method })['session_id'],
      );
      const decision = sb.completeSession(id, { capture: 'match', seed: 3 });
      return (decision['liveness_checks'] as { method: string; video_url: string | null }[])[0]!;
    };
    expect(videoOf('passive')).toMatchObject({ method: 'PASSIVE', video_url: null });
    for (const method of ['flashing', 'active_3d']) {
      const liveness = videoOf(method);
      expect(liveness.method).toBe(method.toUpperCase());
      expect(liveness.video_url).toMatch(
        /\/media\/face\/[0-9a-f-]{36}\/liveness\/video\.webm\?X-Amz-Algorithm=AWS4-HMAC-SHA256&/,
      );
      const res = await fetch(liveness.video_url!);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('video/webm');
      // An EBML header: a WebM file, not an error page.
      expect([...Buffer.from(await res.arrayBuffer()).subarray(0, 4)]).toEqual([0x1a, 0x45, 0xdf, 0xa3]);
    }
  });

  it('answers 403 for an expired link and for a tampered one', async () => {
    let clock = Date.UTC(2026, 0, 1);
    sandbox = await startSandbox({ mediaTtlSeconds: 5, now: () => clock });
    const { selfie } = urls(completedSession(sandbox));
    clock += 5_000;
    expect((await fetch(selfie)).status).toBe(200);
    clock += 1_000;
    const expired = await fetch(selfie);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Request has expired');
    clock -= 6_000;
    expect((await fetch(selfie.replace('X-Amz-Expires=5', 'X-Amz-Expires=50'))).status).toBe(403);
    expect((await fetch(selfie.replace('reference.jpg', 'other.jpg'))).status).toBe(403);
  });

  it('puts the public media base URL in links when one is configured', async () => {
    sandbox = await startSandbox({ mediaBaseUrl: 'https://media.example.test/' });
    expect(urls(completedSession(sandbox)).source.startsWith('https://media.example.test/media/face-match/')).toBe(true);
  });

  it('draws a selfie closer to the portrait for a match than for a mismatch', async () => {
    sandbox = await startSandbox({ seed: 4 });
    const pixels = async (url: string) =>
      jpeg.decode(Buffer.from(await (await fetch(url)).arrayBuffer()), { useTArray: true }).data;
    const distance = (a: Uint8Array, b: Uint8Array) => {
      let sum = 0;
      for (let i = 0; i < a.length; i += 4)
        sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0)) + Math.abs((a[i + 1] ?? 0) - (b[i + 1] ?? 0));
      return sum / a.length;
    };
    // Compare the face region only: crop-free proxy is the centre rows' colour mass.
    const match = urls(completedSession(sandbox, 'match'));
    const mismatch = urls(completedSession(sandbox, 'mismatch'));
    const portrait = await pixels(match.source);
    expect(distance(portrait, await pixels(match.target))).toBeLessThan(distance(portrait, await pixels(mismatch.target)));
  });
});
