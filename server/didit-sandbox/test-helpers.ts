/** Test helpers: a loopback webhook receiver and a small API client for the sandbox. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonObject } from './canonical-json.ts';
import type { RunningSandbox } from './sandbox.ts';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  raw: Buffer;
  json: JsonObject;
}

/** A status, or that status's headers followed by a body that never ends. */
export type ReceiverAnswer = number | { status: number; stallBody: true };

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** Decides the answer per call (0-based index over all calls); default 200. A promise that never settles never answers. */
  respond: (index: number, hook: ReceivedWebhook) => ReceiverAnswer | Promise<ReceiverAnswer>;
  stop(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    received: [],
    respond: () => 200,
    stop: async () => {},
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const hook: ReceivedWebhook = { headers: req.headers, raw, json: JSON.parse(raw.toString('utf8')) as JsonObject };
      const index = receiver.received.length;
      receiver.received.push(hook);
      void Promise.resolve(receiver.respond(index, hook)).then((answer) => {
        if (res.destroyed) return;
        if (typeof answer === 'number') {
          res.writeHead(answer).end();
          return;
        }
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.write('{"received":');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/didit`;
  receiver.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests index freely into JSON
  body: any;
}

export async function call(
  sandbox: RunningSandbox,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    redirect: 'manual',
    headers: {
      'x-api-key': sandbox.apiKey,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (media, XML errors)
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

export const FACE_MATCH_WORKFLOW: JsonObject = {
  workflow_label: 'Returning user',
  features: [
    { feature: 'LIVENESS', config: { face_liveness_score_review_threshold: 70, face_liveness_score_decline_threshold: 50 } },
    { feature: 'FACE_MATCH', config: { face_match_score_review_threshold: 70, face_match_score_decline_threshold: 50 } },
  ],
};

export const LIVENESS_ONLY_WORKFLOW: JsonObject = {
  workflow_label: 'Step-up',
  features: [{ feature: 'LIVENESS', config: { face_liveness_method: 'passive' } }],
};

/** Didit's <uuid> path converter and UUIDField accept any 32 hex digits, RFC 4122 or not. */
export const HEX_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const RFC4122_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
