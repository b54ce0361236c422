import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { AppContext } from './context.ts';
import { AppError, errorHandler, notFoundHandler } from './errors.ts';
import { healthRoutes } from './health/health.routes.ts';
import { requestContext } from './http/request-context.ts';

/** Builds the HTTP application. No listening here: `main.ts` and the tests do that. */
export function createApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  app.set('query parser', 'simple');

  app.use(requestContext(ctx.logger));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          defaultSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          mediaSrc: ["'self'"],
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

  const api = express.Router();
  api.use(express.json({ limit: '100kb', strict: true }));
  api.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
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
