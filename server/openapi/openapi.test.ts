import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp } from '../app.ts';
import type { AppContext } from '../context.ts';
import type { ApiRoute } from '../contract/api-routes.ts';
import { diditWebhookPath } from '../webhooks/didit-webhook.routes.ts';
import { authHeaders, createApiToken } from '../../test/helpers/auth.ts';
import { bodyOf } from '../../test/helpers/http.ts';
import { createTestContext, startTestServer } from '../../test/helpers/test-context.ts';
import { renderApiDocs } from './openapi-page.ts';
import { buildOpenApiDocument, packageVersion, type OpenApiDocument } from './openapi.ts';

let ctx: AppContext;
let baseUrl: string;
let viewer: string;
let document: OpenApiDocument;

beforeAll(async () => {
  ({ ctx } = await createTestContext());
  baseUrl = await startTestServer(ctx);
  viewer = await createApiToken(ctx, 'viewer');
  document = buildOpenApiDocument({ version: packageVersion(), cookieName: 'rc_session' });
});

/** What the tests read of router 2's layers: a route, a mounted router, or other middleware. */
interface RouterLayer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean | undefined> };
  handle?: unknown;
}

function stackOf(handle: unknown): RouterLayer[] | undefined {
  const stack = (handle as { stack?: unknown } | null)?.stack;
  return Array.isArray(stack) ? (stack as RouterLayer[]) : undefined;
}

/**
 * The Express application inside `createApp`'s handler. `withExpressPrototypes` (server/http/server.ts)
 * gives Node's request constructor the app's request prototype, whose `app` is the application.
 */
function expressAppOf(handler: ReturnType<typeof createApp>): unknown {
  const prototype = handler.serverOptions.IncomingMessage?.prototype as { app?: unknown } | undefined;
  return prototype?.app;
}

/** `METHOD /path` of every route registered in a router stack, mounted routers included (`:id` → `{id}`). */
function registeredRoutes(stack: readonly RouterLayer[], prefix = ''): { routes: Set<string>; patterns: string[] } {
  const routes = new Set<string>();
  const patterns: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      const { path, methods } = layer.route;
      if (typeof path !== 'string') {
        patterns.push(String(path));
        continue;
      }
      for (const [method, on] of Object.entries(methods)) {
        if (on && method !== '_all') routes.add(`${method.toUpperCase()} ${prefix}${path.replace(/:(\w+)/g, '{$1}')}`);
        if (on && method === '_all') routes.add(`ALL ${prefix}${path}`);
      }
      continue;
    }
    const inner = stackOf(layer.handle);
    if (!inner) continue; // middleware: static files, parsers, guards
    const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
    const nested = registeredRoutes(inner, `${prefix}${mount}`);
    for (const route of nested.routes) routes.add(route);
    patterns.push(...nested.patterns);
  }
  return { routes, patterns };
}

function documentedRoutes(doc: OpenApiDocument): Set<string> {
  return new Set(
    Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)),
  );
}

describe('the OpenAPI document', () => {
  it('describes every route the console answers, and no route it does not', () => {
    const app = expressAppOf(createApp(ctx));
    const stack = stackOf((app as { router?: unknown } | undefined)?.router);
    expect(stack, 'the Express app and its router stack').toBeDefined();
    const { routes, patterns } = registeredRoutes(stack ?? []);
    // Answered ahead of Express (server/app.ts).
    routes.add(`POST ${diditWebhookPath}`);
    expect(routes.size).toBeGreaterThan(30);
    // The one pattern route is the web app's fallback, which never answers /api or /auth.
    expect(patterns.every((pattern) => pattern.includes('(?!api\\/|auth\\/'))).toBe(true);

    const documented = documentedRoutes(document);
    const undocumented = [...routes].filter((route) => !documented.has(route)).sort();
    const missing = [...documented].filter((route) => !routes.has(route)).sort();
    expect(
      { undocumented, missing },
      'undocumented: routes without an entry in server/contract/api-routes.ts; missing: entries without a route',
    ).toEqual({ undocumented: [], missing: [] });
  });

  it('is OpenAPI 3.1 with unique operation ids, declared path parameters and resolvable references', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info.version).toBe(packageVersion());
    const tags = new Set(document.tags.map((tag) => tag.name));
    const ids: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method} ${path}`;
        ids.push(operation.operationId);
        expect(operation.operationId, where).toMatch(/^[a-z][A-Za-z0-9]+$/);
        expect(Object.keys(operation.responses).length, where).toBeGreaterThan(0);
        expect(
          Object.keys(operation.responses).every((status) => /^[1-5]\d\d$/.test(status)),
          where,
        ).toBe(true);
        expect(
          operation.tags.every((tag) => tags.has(tag)),
          where,
        ).toBe(true);
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
        const declared = operation.parameters.filter((parameter) => parameter.in === 'path');
        expect(declared.map((parameter) => parameter.name).sort(), where).toEqual(inPath);
        expect(
          declared.every((parameter) => parameter.required),
          where,
        ).toBe(true);
      }
    }
    expect(new Set(ids).size).toBe(ids.length);

    const refs = JSON.stringify(document).match(/"\$ref":"[^"]*"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) {
      const name = /"#\/components\/schemas\/([^"]+)"/.exec(ref)?.[1];
      expect(name && document.components.schemas[name], ref).toBeDefined();
    }
  });

  it('describes requests as clients send them and answers as the server writes them', () => {
    const propose = document.paths['/api/workflows/{id}/thresholds']?.post;
    // Defaults make face-match thresholds optional in a proposal, and always present in an answer.
    expect(propose?.requestBody?.content['application/json']?.schema).toMatchObject({
      properties: { thresholds: { $ref: '#/components/schemas/ThresholdSetInput' } },
    });
    expect(document.components.schemas.ThresholdSetInput?.required).toEqual(['livenessReview', 'livenessDecline']);
    expect(document.components.schemas.ThresholdSet?.required).toContain('faceMatchReview');
    // An id lowercased on the way in is still described as the id it is on the way out.
    expect(document.components.schemas.QueueItem?.properties?.id).toMatchObject({ type: 'string' });
    expect(propose?.responses['201']?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/ThresholdVersion',
    });
    expect(propose?.responses['403']?.description).toContain('API token');
    expect(propose?.security).toEqual([{ sessionCookie: [] }]);
    expect(document.paths['/api/queue']?.get?.security).toEqual([{ sessionCookie: [] }, { bearerToken: [] }]);
    expect(document.paths['/api/queue']?.get?.['x-access']).toEqual({
      capability: 'session.read',
      roles: ['viewer', 'analyst', 'lead', 'admin'],
      tokens: true,
    });
    expect(document.paths['/api/admin/tokens']?.post?.['x-access']).toMatchObject({ roles: ['admin'], tokens: false });
  });

  it('refuses a route whose parameters do not match its path', () => {
    const route: ApiRoute = {
      method: 'get',
      path: '/api/things/{id}',
      tag: 'Review',
      summary: 'A thing',
      access: { capability: 'session.read' },
      params: z.object({ thingId: z.string() }),
      responses: { 200: { description: 'The thing.', schema: z.object({}) } },
    };
    expect(() => buildOpenApiDocument({ version: '0', cookieName: 'c', routes: [route] })).toThrow(/\{id\}/);
  });
});

describe('GET /api/openapi.json', () => {
  it('answers the document to a signed-in viewer', async () => {
    const res = await fetch(`${baseUrl}/api/openapi.json`, { headers: authHeaders(viewer) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await bodyOf(res);
    expect(body.openapi).toBe(document.openapi);
    expect(Object.keys(body.paths)).toEqual(Object.keys(document.paths));
  });

  it('answers 401 to the anonymous', async () => {
    const res = await fetch(`${baseUrl}/api/openapi.json`);
    expect(res.status).toBe(401);
    expect((await bodyOf(res)).error.code).toBe('unauthenticated');
  });
});

describe('GET /api/docs', () => {
  it('answers a page listing every path, without script, under the console’s CSP', async () => {
    const res = await fetch(`${baseUrl}/api/docs`, { headers: authHeaders(viewer) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await res.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('href="/api/openapi.json"');
    for (const path of Object.keys(document.paths)) expect(html, path).toContain(`<code class="path">${path}</code>`);
    for (const name of Object.keys(document.components.schemas)) expect(html, name).toContain(`id="schema-${name}"`);
  });

  it('answers 401 to the anonymous', async () => {
    expect((await fetch(`${baseUrl}/api/docs`)).status).toBe(401);
  });
});

describe('renderApiDocs', () => {
  it('escapes every text taken from the document', () => {
    const hostile = '<script>alert(1)</script>';
    const route: ApiRoute = {
      method: 'post',
      path: '/api/things/{id}',
      tag: 'Review',
      summary: `Summary ${hostile}`,
      description: `Description **${hostile}** \`${hostile}\``,
      access: { open: `Anyone ${hostile}` },
      params: z.object({ id: z.string().describe(`Parameter ${hostile}`) }),
      body: z.object({
        [`"><img src=x onerror=alert(1)>`]: z.string(),
        kind: z.enum([`</code>${hostile}`]).describe(`Property ${hostile}`),
      }),
      responses: { 200: { description: `Answer ${hostile}`, schema: z.object({ note: z.string().default(hostile) }) } },
      errors: { 409: `Conflict ${hostile}` },
    };
    const html = renderApiDocs(buildOpenApiDocument({ version: `1 ${hostile}`, cookieName: 'c', routes: [route] }));
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<img');
    expect(html.match(/&lt;script&gt;/g)?.length).toBeGreaterThanOrEqual(9);
    expect(html).toContain('<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>');
  });
});
