import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, errorHandler, notFoundHandler } from './errors.ts';
import { requestContext } from './http/request-context.ts';
import { createTestContext, startTestServer } from '../test/helpers/test-context.ts';
import { authHeaders, createApiToken } from '../test/helpers/auth.ts';
import { bodyOf } from '../test/helpers/http.ts';

describe('error responses of the real app', () => {
  let baseUrl: string;
  let auth: { authorization: string };
  beforeAll(async () => {
    const { ctx } = await createTestContext();
    baseUrl = await startTestServer(ctx);
    // A token request passes CSRF checks, so the body parser's own errors are what answers.
    auth = authHeaders(await createApiToken(ctx, 'analyst'));
  });

  it('answers an unknown API route with a JSON 404', async () => {
    const res = await fetch(`${baseUrl}/api/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await bodyOf(res);
    expect(body.error).toMatchObject({ code: 'not_found', message: 'No route for GET /api/nothing-here.' });
    expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('answers malformed JSON with 400 malformed_json', async () => {
    const res = await fetch(`${baseUrl}/api/anything`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"decision":',
    });
    expect(res.status).toBe(400);
    expect((await bodyOf(res)).error.code).toBe('malformed_json');
  });

  it('answers an oversized JSON body with 413 payload_too_large', async () => {
    const res = await fetch(`${baseUrl}/api/anything`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'x'.repeat(200_000) }),
    });
    expect(res.status).toBe(413);
    expect((await bodyOf(res)).error.code).toBe('payload_too_large');
  });
});

describe('errorHandler', () => {
  const logged: string[] = [];
  let baseUrl: string;
  let server: ReturnType<express.Express['listen']>;

  beforeAll(async () => {
    const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });
    const app = express();
    app.use(requestContext(logger));
    app.get('/app-error', () => {
      throw new AppError(409, 'conflict', 'The session changed since you opened it.', { version: 4 });
    });
    app.get('/zod-error', (req) => {
      z.object({ limit: z.coerce.number().int().max(100) }).parse(req.query);
    });
    app.get('/async-crash', async () => {
      await Promise.resolve();
      throw new Error('secret internals: password=hunter2');
    });
    app.get('/db-down', () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    });
    app.use(notFoundHandler);
    app.use(errorHandler);
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('maps an AppError to its status, code, message and details', async () => {
    const res = await fetch(`${baseUrl}/app-error`);
    expect(res.status).toBe(409);
    expect((await bodyOf(res)).error).toMatchObject({
      code: 'conflict',
      message: 'The session changed since you opened it.',
      details: { version: 4 },
    });
  });

  it('maps a ZodError to 400 validation_failed naming the field', async () => {
    const res = await fetch(`${baseUrl}/zod-error?limit=500`);
    expect(res.status).toBe(400);
    const body = await bodyOf(res);
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details.issues[0].path).toBe('limit');
  });

  it('answers an unexpected async error with a bare 500 and logs it with the request id', async () => {
    const res = await fetch(`${baseUrl}/async-crash`);
    expect(res.status).toBe(500);
    const body = await bodyOf(res);
    expect(body.error).toEqual({
      code: 'internal_error',
      message: 'Something went wrong on our side.',
      requestId: res.headers.get('x-request-id'),
    });
    expect(JSON.stringify(body)).not.toContain('hunter2');
    const line = logged.map((l) => JSON.parse(l) as { msg: string; requestId?: string }).find((l) => l.msg === 'unhandled error');
    expect(line?.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('answers 503 with Retry-After when the database is unreachable', async () => {
    const res = await fetch(`${baseUrl}/db-down`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect((await bodyOf(res)).error.code).toBe('database_unavailable');
  });
});
