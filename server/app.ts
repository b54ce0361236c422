import { existsSync } from 'node:fs';
import path from 'node:path';
import type { RequestListener, ServerOptions } from 'node:http';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { authRoutes } from './auth/auth.routes.ts';
import { authenticate } from './auth/authenticate.ts';
import { csrfProtection, requireJsonBody } from './auth/csrf.ts';
import { meRoutes } from './auth/me.routes.ts';
import { rateLimit } from './auth/rate-limit.ts';
import { sessionMiddleware } from './auth/session.ts';
import { tokenRoutes } from './auth/token.routes.ts';
import { auditRoutes } from './audit/audit.routes.ts';
import type { AppContext } from './context.ts';
import { AppError, errorHandler, notFoundHandler } from './errors.ts';
import { healthRoutes } from './health/health.routes.ts';
import { insightsRoutes } from './insights/insights.routes.ts';
import { metricsRoutes } from './metrics.ts';
import { openApiRoutes } from './openapi/openapi.routes.ts';
import { requestContext } from './http/request-context.ts';
import { withExpressPrototypes } from './http/server.ts';
import { erasureRoutes } from './privacy/erasure.routes.ts';
import { evidencePackRoutes } from './review/evidence-pack.routes.ts';
import { reviewRoutes } from './review/review.routes.ts';
import { escalationRoutes } from './review/escalation.routes.ts';
import { savedViewRoutes } from './review/saved-views.routes.ts';
import { assignmentRoutes } from './review/assignment.routes.ts';
import { secondReviewRoutes } from './review/second-review.routes.ts';
import { syncRoutes } from './sync/sync.routes.ts';
import { thresholdRoutes } from './thresholds/thresholds.routes.ts';
import { diditWebhookHandler, diditWebhookPath } from './webhooks/didit-webhook.routes.ts';

/** A request handler plus the options `http.createServer` should build its server with. */
export type HttpApp = RequestListener & { serverOptions: ServerOptions };

/**
 * The console's HTTP request handler. No listening here: `main.ts` and the tests do that.
 * Didit's webhooks (raw bytes, signature-authenticated, no session, CSRF or browser headers)
 * are answered ahead of Express; everything else is the Express app.
 */
export function createApp(ctx: AppContext): HttpApp {
  const webhook = diditWebhookHandler(ctx);
  const app = createExpressApp(ctx);
  const handle: RequestListener = (req, res) => {
    if (req.method === 'POST' && req.url?.split('?')[0] === diditWebhookPath) webhook(req, res);
    else app(req, res);
  };
  return Object.assign(handle, { serverOptions: withExpressPrototypes(app) });
}

function createExpressApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  app.set('query parser', 'simple');
  // API answers are `no-store`; hashing every body for an ETag would be work for nothing.
  app.set('etag', false);

  app.use(requestContext(ctx.logger));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          defaultSrc: ["'self'"],
          // Evidence (images, and the capture video of FLASHING/ACTIVE_3D) comes only from us and
          // the configured Didit media hosts.
          imgSrc: ["'self'", 'data:', ...ctx.config.didit.mediaOrigins],
          mediaSrc: ["'self'", ...ctx.config.didit.mediaOrigins],
          connectSrc: ["'self'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
          upgradeInsecureRequests: ctx.config.publicUrl.startsWith('https:') ? [] : null,
        },
      },
      strictTransportSecurity: ctx.config.publicUrl.startsWith('https:'),
      referrerPolicy: { policy: 'same-origin' },
    }),
  );

  app.use(healthRoutes(ctx));
  // Health stays open for load balancers; /metrics needs METRICS_TOKEN or moves to METRICS_PORT (metrics.ts).
  app.use(metricsRoutes(ctx));

  // Who is asking (session cookie or bearer token), then CSRF for cookie-authenticated changes.
  const identify = [sessionMiddleware(ctx), authenticate(ctx), csrfProtection(ctx.config.publicUrl)];
  if (ctx.oidc.configured) void ctx.oidc.discover().catch(() => undefined); // discovery at start; retried on use

  const auth = express.Router();
  auth.use(rateLimit({ limit: ctx.config.authRateLimitPerMinute, windowMs: 60_000 }));
  auth.use(identify);
  auth.use(authRoutes(ctx));
  app.use('/auth', auth);

  const api = express.Router();
  api.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.use(identify);
  api.use(requireJsonBody);
  api.use(express.json({ limit: '100kb', strict: true }));
  api.use(meRoutes());
  api.use(tokenRoutes(ctx));
  api.use(auditRoutes(ctx));
  api.use(reviewRoutes(ctx));
  api.use(escalationRoutes(ctx));
  api.use(evidencePackRoutes(ctx));
  api.use(savedViewRoutes(ctx));
  api.use(erasureRoutes(ctx));
  api.use(syncRoutes(ctx));
  api.use(thresholdRoutes(ctx));
  api.use(insightsRoutes(ctx));
  api.use(assignmentRoutes(ctx));
  api.use(secondReviewRoutes(ctx));
  api.use(openApiRoutes(ctx));
  api.use(notFoundHandler);
  app.use('/api', api);

  serveWebApp(app, ctx);

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

/** Serves the built single-page app; unknown paths get `index.html` so client routes deep-link. */
function serveWebApp(app: Express, ctx: AppContext): void {
  const distDir = path.resolve(ctx.config.webDistDir);
  const indexHtml = path.join(distDir, 'index.html');
  app.use(
    '/assets',
    express.static(path.join(distDir, 'assets'), { immutable: true, maxAge: '1y', index: false, fallthrough: false }),
  );
  app.use(express.static(distDir, { index: false }));
  app.get(/^\/(?!api\/|auth\/|webhooks\/).*/, (req, res, next) => {
    if (!req.accepts('html')) {
      next();
      return;
    }
    if (!existsSync(indexHtml)) {
      next(new AppError(503, 'not_ready', 'The web app is not built yet: run `npm run build` (npm start does it for you).'));
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(indexHtml);
  });
}
