import { Router } from 'express';
import { requireSignedIn } from '../auth/rbac.ts';
import { sessionCookieName } from '../auth/session.ts';
import type { AppContext } from '../context.ts';
import { renderApiDocs } from './openapi-page.ts';
import { buildOpenApiDocument, packageVersion, type OpenApiDocument } from './openapi.ts';

/**
 * `GET /api/openapi.json` and `GET /api/docs`: the API reference, for anyone signed in (any role,
 * person or token). It describes the API, not its data, but the console is internal: it is not
 * served to the anonymous. Built on first use and kept: the document depends only on the code
 * and the session cookie's name. Mounted inside the authenticated `/api` router.
 */
export function openApiRoutes(ctx: Pick<AppContext, 'config'>): Router {
  const router = Router();
  let document: OpenApiDocument | undefined;
  let json: string | undefined;
  let page: string | undefined;
  const built = () =>
    (document ??= buildOpenApiDocument({ version: packageVersion(), cookieName: sessionCookieName(ctx.config.publicUrl) }));

  router.get('/openapi.json', requireSignedIn(), (_req, res) => {
    json ??= JSON.stringify(built());
    res.type('application/json').send(json);
  });

  router.get('/docs', requireSignedIn(), (_req, res) => {
    page ??= renderApiDocs(built());
    res.type('html').send(page);
  });

  return router;
}
