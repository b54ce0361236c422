import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { listen, withExpressPrototypes } from './server.ts';

describe('graceful HTTP shutdown', () => {
  it('finishes in-flight requests, then stops accepting new connections', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const requestStarted = new Promise<void>((resolve) => (started = resolve));
    const app = express();
    app.get('/slow', async (_req, res) => {
      started();
      await released;
      res.json({ done: true });
    });
    const http = await listen(app, '127.0.0.1', 0, pino({ level: 'silent' }));
    const url = `http://127.0.0.1:${http.port}`;

    const inFlight = fetch(`${url}/slow`);
    await requestStarted;
    // Far longer than this test may run: closing must not wait for it, only for the answer.
    const closed = http.close(600_000);
    release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await closed;
    await expect(fetch(`${url}/slow`)).rejects.toThrow();
  });

  it('drops connections still open when the shutdown timeout passes', async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const app = express();
    app.get('/hang', () => {
      arrived(); // and never answers
    });
    const http = await listen(app, '127.0.0.1', 0, pino({ level: 'silent' }));
    const hanging = fetch(`http://127.0.0.1:${http.port}/hang`).catch((error: unknown) => error);
    await requestArrived;
    await http.close(100);
    expect(await hanging).toBeInstanceOf(Error);
  });
});

describe('requests built with Express prototypes', () => {
  it('arrive with the prototypes of the Express app already set, and Express works on them as usual', async () => {
    const app = express();
    app.get('/echo', (req, res) => {
      res.status(201).json({ header: req.get('x-probe'), query: req.query, path: req.path });
    });
    let arrivedWithPrototypes: boolean[] = [];
    const handle = Object.assign(
      (req: IncomingMessage, res: ServerResponse) => {
        arrivedWithPrototypes = [Object.getPrototypeOf(req) === app.request, Object.getPrototypeOf(res) === app.response];
        app(req, res);
      },
      { serverOptions: withExpressPrototypes(app) },
    );
    const http = await listen(handle, '127.0.0.1', 0, pino({ level: 'silent' }));
    try {
      const res = await fetch(`http://127.0.0.1:${http.port}/echo?a=1`, { headers: { 'x-probe': 'yes' } });
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ header: 'yes', query: { a: '1' }, path: '/echo' });
      // So Express's own `Object.setPrototypeOf` on arrival changes nothing.
      expect(arrivedWithPrototypes).toEqual([true, true]);
    } finally {
      await http.close(1_000);
    }
  });
});
