import { Router } from 'express';
import type { MeResponse } from '../contract/auth.ts';
import { actorOf, capabilitiesOfActor, requireSignedIn } from './rbac.ts';

/** `GET /api/me`: who is signed in and what they may do (the web app hides the rest). */
export function meRoutes(): Router {
  const router = Router();
  router.get('/me', requireSignedIn(), (req, res) => {
    const actor = actorOf(req);
    const body: MeResponse = {
      user: { kind: actor.kind, id: actor.id, label: actor.label, role: actor.role },
      capabilities: capabilitiesOfActor(actor),
    };
    res.json(body);
  });
  return router;
}
