import type { AddressInfo } from 'node:net';
import { createServer, IncomingMessage, ServerResponse, type RequestListener, type Server, type ServerOptions } from 'node:http';
import type { Express } from 'express';
import type { Logger } from '../logger.ts';

export interface RunningHttpServer {
  server: Server;
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to `timeoutMs`), then drops what is left. */
  close(timeoutMs: number): Promise<void>;
}

export async function listen(
  app: RequestListener & { serverOptions?: ServerOptions },
  host: string,
  port: number,
  logger: Logger,
): Promise<RunningHttpServer> {
  const server = createServer(app.serverOptions ?? {}, app);
  // Longer than a typical load balancer's idle timeout, so the balancer closes first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    server,
    port: actualPort,
    close(timeoutMs) {
      closing ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          logger.warn('shutdown timeout reached; closing remaining connections');
          server.closeAllConnections();
        }, timeoutMs);
        force.unref();
        // Idle keep-alive sockets would otherwise hold `close` open until they time out: close
        // them now, and close each connection whose request was in flight once it has answered.
        server.closeIdleConnections();
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        sweep.unref();
        server.close(() => {
          clearTimeout(force);
          clearInterval(sweep);
          resolve();
        });
      });
      return closing;
    },
  };
}

/**
 * Express gives every request and response its own prototypes on arrival
 * (`Object.setPrototypeOf(req, app.request)`). Changing an object's prototype after it exists
 * is slow in V8, and (measured with `--trace-gc-nvp`) it makes each request's objects outlive a
 * young-generation GC: ~1–3 MB promoted per scavenge under load. Node can build them with those
 * prototypes from the start instead, which makes Express's own call a no-op. ADR 0007.
 */
export function withExpressPrototypes(app: Express): ServerOptions {
  // Node's own constructors are plain functions, so they can initialise an object made here.
  function ConsoleRequest(this: IncomingMessage, ...args: unknown[]): void {
    Reflect.apply(IncomingMessage, this, args);
  }
  ConsoleRequest.prototype = app.request;
  function ConsoleResponse(this: ServerResponse, ...args: unknown[]): void {
    Reflect.apply(ServerResponse, this, args);
  }
  ConsoleResponse.prototype = app.response;
  return {
    IncomingMessage: ConsoleRequest as unknown as typeof IncomingMessage,
    ServerResponse: ConsoleResponse as unknown as typeof ServerResponse,
  };
}
