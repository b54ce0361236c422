import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../test/helpers/database.ts';
import { bodyOf } from '../test/helpers/http.ts';
import { errorHandler } from './errors.ts';
import { requestContext } from './http/request-context.ts';
import { createLogger, type Logger } from './logger.ts';
import { DiditApiError } from './vendors/didit/didit-error.ts';

/**
 * Issue 15, finding 8: an error's text must not carry request or webhook data into the log.
 * Postgres quotes what it refused in `message` (`invalid input syntax for type uuid: "…"`),
 * `detail` and `where` (`JSON data, line 1: {…`, a fragment of a webhook body with its signed
 * links); pino's standard serializer copied all of them. The errors here are real ones from a
 * real Postgres, logged through the console's own logger into a captured stream.
 */
const link = 'https://media.example.test/face/MARKER-4f1c.jpg?X-Amz-Signature=' + 'c'.repeat(64);
const fragment = 'MARKER-4f1c';

describe('error logging', () => {
  let pool: pg.Pool;
  const lines: string[] = [];
  let logger: Logger;
  const logged = () => lines.join('');
  const lastLine = () => JSON.parse(lines.at(-1) ?? '{}') as Record<string, unknown> & { err?: Record<string, unknown> };
  const refusal = async (text: string, params: unknown[]): Promise<Error> => {
    try {
      await pool.query(text, params);
    } catch (error) {
      return error as Error;
    }
    throw new Error(`${text} did not fail`);
  };

  beforeAll(async () => {
    const database = await createTestDatabase();
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    logger = createLogger({ log: { level: 'debug', pretty: false }, env: 'test' }, destination);
  });
  afterAll(() => pool.end());

  it('keeps the SQLSTATE and routine of a jsonb refusal, never the body it quotes', async () => {
    // Postgres quotes the text just before where parsing failed.
    const error = await refusal('select $1::jsonb', [`{"decision":{"selfie":"${link}","by":"${fragment}"} oops}`]);
    // The attack, as Postgres reports it: the body is in the error.
    expect(JSON.stringify({ ...error })).toContain(fragment);
    logger.error({ err: error }, 'webhook handling failed');
    expect(logged()).not.toContain(fragment);
    // The routine is json_errsave_error since Postgres 16, json_ereport_error in 15 (which CI also runs).
    expect(lastLine().err).toMatchObject({
      type: 'DatabaseError',
      code: '22P02',
      routine: expect.stringMatching(/^json_(errsave|ereport)_error$/),
    });
    expect(lastLine().err?.['stack']).toMatch(/^\s+at /);
  });

  it('withholds the message of a cast that quotes the value, and a NUL refusal', async () => {
    logger.warn({ err: await refusal('select $1::uuid', [fragment]) }, 'bad id');
    expect(lastLine().err).toMatchObject({ code: '22P02', routine: 'string_to_uuid' });
    logger.warn({ err: await refusal('select $1::jsonb', [`{"a":"${fragment}\\u0000"}`]) }, 'nul');
    expect(lastLine().err).toMatchObject({ code: '22P05' });
    logger.warn({ err: await refusal('select $1::text', [`${fragment}\u0000`]) }, 'nul text');
    expect(lastLine().err).toMatchObject({ code: '22021' });
    expect(logged()).not.toContain(fragment);
  });

  it('serializes errors logged under other keys, as causes, or in lists the same way', async () => {
    const error = await refusal('select $1::jsonb', [`{"x":"${link}" ]`]);
    logger.warn({ args: ['store failed', error] }, 'session store');
    logger.warn({ step: { error } }, 'nested');
    logger.error({ err: new Error('inbox write failed', { cause: error }) }, 'wrapped');
    expect(lastLine().err).toMatchObject({ message: 'inbox write failed', cause: { code: '22P02' } });
    logger.error({ err: new AggregateError([error], 'several') }, 'aggregate');
    expect(logged()).not.toContain(fragment);
  });

  it("withholds a JSON SyntaxError's message, which quotes the text", () => {
    let error: unknown;
    try {
      JSON.parse(`{"selfie":"${link}" x`);
    } catch (caught) {
      error = caught;
    }
    logger.error({ err: error }, 'parse failed');
    expect(logged()).not.toContain(fragment);
    expect(lastLine().err).toMatchObject({ type: 'SyntaxError' });
  });

  it("keeps our own errors' messages and the allow-listed fields of Didit's", () => {
    logger.error({ err: new Error('the outbox is stuck') }, 'ours');
    expect(lastLine().err).toMatchObject({ type: 'Error', message: 'the outbox is stuck' });
    const didit = new DiditApiError('server_error', 'Didit answered 503', { operation: 'getDecision', status: 503 });
    Object.assign(didit, { body: `{"selfie":"${link}"}` });
    logger.warn({ err: didit }, 'didit');
    expect(lastLine().err).toMatchObject({
      type: 'DiditApiError',
      code: 'server_error',
      retryable: true,
      details: { operation: 'getDecision', status: 503 },
    });
    expect(logged()).not.toContain(fragment);
  });

  describe('a value Postgres refuses that a request schema let through', () => {
    let baseUrl: string;
    let server: ReturnType<express.Express['listen']>;
    beforeAll(async () => {
      const app = express();
      app.use(requestContext(logger));
      // A route with no schema in front of its query: what the error handler's net is for.
      app.get('/lookup', async (req, res) => {
        const id = typeof req.query['id'] === 'string' ? req.query['id'] : '';
        res.json((await pool.query('select $1::uuid as id', [id])).rows);
      });
      app.use(errorHandler);
      await new Promise<void>((resolve) => {
        server = app.listen(0, '127.0.0.1', () => resolve());
      });
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("is the client's 400, logged by SQLSTATE without the value", async () => {
      for (const id of [fragment, `${fragment}%00`]) {
        const res = await fetch(`${baseUrl}/lookup?id=${id}`);
        expect(res.status).toBe(400);
        const body = await bodyOf(res);
        expect(body.error.code).toBe('bad_request');
        expect(JSON.stringify(body)).not.toContain(fragment);
      }
      const warnings = lines
        .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { code?: string } })
        .filter((line) => line.msg.startsWith('database refused a request value'));
      expect(warnings.map((line) => line.err?.code)).toEqual(['22P02', '22021']);
      expect(logged()).not.toContain(fragment);
    });
  });

  it('redacts bodies, payloads and media at the top level of a line as well as nested', () => {
    logger.warn({ body: { detail: link }, media: { selfie: link }, payload: link, rawBody: link }, 'top level');
    logger.warn({ response: { body: link, url: link } }, 'nested');
    expect(logged()).not.toContain(fragment);
    expect(lines.filter((line) => line.includes('[redacted]'))).toHaveLength(2);
  });
});
