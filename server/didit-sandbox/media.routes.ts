/** Serves the media behind the presigned-style links, and a plain page behind session URLs. */
import { readFileSync } from 'node:fs';
import express, { type Router } from 'express';
import type { SandboxContext } from './context.ts';
import { s3Error } from './media.ts';

/** The capture clip of every FLASHING / ACTIVE_3D session: 2 s of VP8, colours cycling like the flashing check. */
const captureVideo = readFileSync(new URL('./fixtures/liveness-capture.webm', import.meta.url));

export function mediaRouter(ctx: SandboxContext): Router {
  const router = express.Router();
  router.get('/media/*path', (req, res) => {
    const path = req.path.slice('/media/'.length);
    const query = new URL(req.originalUrl, 'http://sandbox').searchParams;
    const verdict = ctx.media.check(path, query);
    if (verdict !== 'ok') {
      res
        .status(403)
        .type('application/xml')
        .send(
          verdict === 'expired'
            ? s3Error('AccessDenied', 'Request has expired')
            : s3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'),
        );
      return;
    }
    if (ctx.images.hasVideo(path)) {
      res.type('video/webm').set('Cache-Control', 'private, max-age=60').send(captureVideo);
      return;
    }
    const jpeg = ctx.images.resolve(path);
    if (!jpeg) {
      res.status(404).type('application/xml').send(s3Error('NoSuchKey', 'The specified key does not exist.'));
      return;
    }
    res.type('image/jpeg').set('Cache-Control', 'private, max-age=60').send(jpeg);
  });

  // The hosted-flow URL handed to end users; in the sandbox the control API plays the user.
  router.get('/session/:token', (req, res) => {
    const session = [...ctx.store.sessions.values()].find((s) => s.sessionToken === req.params.token && !s.deleted);
    if (!session) {
      res.status(404).type('text/plain').send('Unknown session');
      return;
    }
    res
      .type('text/plain')
      .send(
        `Didit sandbox: session ${session.sessionNumber} is ${session.status}.\n` +
          `Drive it with POST /sandbox/sessions/${session.sessionId}/complete (see server/didit-sandbox/README.md).\n`,
      );
  });
  return router;
}
