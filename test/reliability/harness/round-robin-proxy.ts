import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { diditWebhookPath } from '../../../server/webhooks/didit-webhook.routes.ts';
import { dedupeKeyOf } from '../../../server/webhooks/dedupe-key.ts';
import { sessionEventSchema } from '../../../server/vendors/didit/didit-schemas.ts';
import { onTeardown } from './teardown.ts';

/**
 * The suite's load balancer: round-robin over the API processes, as a production balancer would
 * stand in front of N `start:api`. A backend that refuses the connection (stopped, or killed and
 * not yet back) is skipped for a second and the request goes to the next one, since nothing was
 * sent yet; a backend that dies mid-request costs that request a 502, as it would behind a real
 * balancer. It also records the answer to every Didit delivery, keyed as the inbox keys events, so
 * the suite can check that no 2xx ever went out without a stored row.
 */

export interface WebhookAnswer {
  /** The inbox's dedupe key of the delivery; null when the body is not a session event. */
  dedupeKey: string | null;
  sessionId: string | null;
  /** What the console answered (502 when no backend did). */
  status: number;
  /** When the answer came, epoch ms. */
  at: number;
}

export interface RoundRobinProxy {
  url: string;
  /** Every answer to a delivery on the webhook path, in order. */
  readonly webhookAnswers: WebhookAnswer[];
  close(): Promise<void>;
}

/** How long a backend that refused a connection is left out of the rotation. */
const DOWN_FOR_MS = 1_000;

/** Connection-level headers are the proxy's own on each side. */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

export async function startRoundRobinProxy(port: number, backendPorts: readonly number[]): Promise<RoundRobinProxy> {
  const backends = backendPorts.map((backendPort) => ({
    port: backendPort,
    agent: new Agent({ keepAlive: true, maxSockets: 128 }),
    downUntil: 0,
  }));
  let next = 0;
  const webhookAnswers: WebhookAnswer[] = [];

  const pickBackend = () => {
    for (let i = 0; i < backends.length; i++) {
      const backend = backends[next++ % backends.length]!;
      if (backend.downUntil <= Date.now()) return backend;
    }
    return backends[next++ % backends.length]!;
  };

  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse, answered: (status: number) => void, tries = 0) => {
    const backend = pickBackend();
    const upstream = request(
      {
        host: '127.0.0.1',
        port: backend.port,
        method: req.method,
        path: req.url,
        headers: { ...withoutHopByHop(req.headers), 'x-forwarded-for': req.socket.remoteAddress ?? '127.0.0.1' },
        agent: backend.agent,
      },
      (answer) => {
        const status = answer.statusCode ?? 502;
        res.writeHead(status, withoutHopByHop(answer.headers));
        answer.pipe(res);
        answer.once('end', () => answered(status));
      },
    );
    upstream.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' && tries + 1 < backends.length * 2) {
        backend.downUntil = Date.now() + DOWN_FOR_MS;
        forward(req, body, res, answered, tries + 1);
        return;
      }
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('no backend answered');
      else res.destroy();
      answered(502);
    });
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => {
      const body = Buffer.concat(chunks);
      const isDelivery = req.method === 'POST' && req.url?.split('?')[0] === diditWebhookPath;
      const delivery = isDelivery ? describeDelivery(body) : undefined;
      forward(req, body, res, (status) => {
        if (delivery) webhookAnswers.push({ ...delivery, status, at: Date.now() });
      });
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      for (const backend of backends) backend.agent.destroy();
      server.close(() => resolve());
    });
  onTeardown('proxy', () => void close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, webhookAnswers, close };
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !hopByHop.has(name.toLowerCase())));
}

/** The delivery's session and inbox key, by the console's own definition of "the same event". */
function describeDelivery(body: Buffer): Pick<WebhookAnswer, 'dedupeKey' | 'sessionId'> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { dedupeKey: null, sessionId: null };
  }
  const event = sessionEventSchema.safeParse(json);
  if (!event.success) return { dedupeKey: null, sessionId: null };
  return { dedupeKey: dedupeKeyOf(event.data, event.data, body), sessionId: event.data.session_id };
}
