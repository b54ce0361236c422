import type { RequestHandler } from 'express';
import { capabilitySchema, type CapabilityName } from '../contract/auth.ts';
import type { Role } from '../db/schema.ts';
import { AppError } from '../errors.ts';

export type { Role };

/**
 * Roles are nested: viewer ⊂ analyst ⊂ lead ⊂ admin. Each route declares the capability it
 * needs; this module is the only place that knows which role grants what.
 */
export const roles: readonly Role[] = ['viewer', 'analyst', 'lead', 'admin'];

/** The capability names are the contract's (`capabilitySchema`), which the web app reads too. */
export type Capability = CapabilityName;

const grantedFrom: Record<Capability, Role> = {
  'session.read': 'viewer',
  'media.view': 'viewer',
  'workflow.read': 'viewer',
  'sync.read': 'viewer',
  'session.claim': 'analyst',
  'session.decide': 'analyst',
  'session.note': 'analyst',
  // Handing a session to the leads with a note; while it is escalated only they claim and decide
  // it, and only they return it to the analysts' queue (issue 20).
  'session.escalate': 'analyst',
  'escalation.handle': 'lead',
  // The PDF for auditors of a decided session (issue 20): whoever may decide, not viewers.
  'session.evidence_pack': 'analyst',
  // Freeing a session someone else holds (who left for the day) is a lead's call.
  'claim.release_others': 'lead',
  'threshold.propose': 'lead',
  'threshold.approve': 'lead',
  'webhook.replay': 'lead',
  'push.requeue': 'lead',
  // A team's pace and each analyst's figures are for whoever runs the team.
  'insights.read': 'lead',
  'workflow.configure': 'lead',
  'audit.read': 'lead',
  'token.manage': 'admin',
  // Erasing a person here and at Didit is irreversible: an admin's call, on a reference (DSAR).
  'privacy.erase': 'admin',
  // Saved queue views (issue 20): viewers apply the team's, analysts keep their own, leads share.
  'queue.views.save': 'analyst',
  'queue.views.share': 'lead',
  // Lifting a face block lets a face Didit declined as fraud through again: a lead's call, not the
  // analyst's who blocked it (issue 20).
  'face.unblock': 'lead',
  // A second review's disagreement is settled by a lead (ADR 0021).
  'second_review.resolve': 'lead',
};

/** Who is acting: a person signed in through SSO, or an API token used by automation. */
export interface Actor {
  kind: 'user' | 'token';
  /** `app_user.id` for people, `api_token.id` for tokens. */
  id: string;
  /** Shown in the audit log and in Didit comments: the person's email or the token's name. */
  label: string;
  role: Role;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by authentication middleware; absent for anonymous requests. */
      actor?: Actor;
    }
  }
}

export function roleRank(role: Role): number {
  return roles.indexOf(role);
}

/** The highest of several roles (a person in two mapped groups gets the stronger one). */
export function highestRole(candidates: readonly Role[]): Role | undefined {
  return [...candidates].sort((a, b) => roleRank(b) - roleRank(a))[0];
}

export function can(role: Role, capability: Capability): boolean {
  return roleRank(role) >= roleRank(grantedFrom[capability]);
}

export function capabilitiesOf(role: Role): Capability[] {
  return capabilitySchema.options.filter((capability) => can(role, capability));
}

/**
 * Capabilities only a person signed in with the console exercises, whatever an API token's role:
 * a token that could manage tokens could mint successors that outlive its own revocation.
 */
const personOnly: ReadonlySet<Capability> = new Set<Capability>(['token.manage']);

/** What this actor may do: its role's capabilities, less the person-only ones for a token. */
export function capabilitiesOfActor(actor: Actor): Capability[] {
  return capabilitiesOf(actor.role).filter((capability) => actor.kind === 'user' || !personOnly.has(capability));
}

/**
 * Guards a route: 401 without an actor, 403 when the actor's role lacks the capability, or when
 * the actor is a token and the capability is one only a signed-in person exercises.
 */
export function requireCapability(capability: Capability): RequestHandler {
  return (req, _res, next) => {
    if (!req.actor) {
      next(new AppError(401, 'unauthenticated', 'Sign in or send an API token.'));
      return;
    }
    if (!can(req.actor.role, capability)) {
      next(new AppError(403, 'forbidden', `Your role (${req.actor.role}) cannot do this (needs ${capability}).`));
      return;
    }
    if (req.actor.kind !== 'user' && personOnly.has(capability)) {
      next(new AppError(403, 'forbidden', `API tokens cannot do this (${capability}); an admin signed in with the console can.`));
      return;
    }
    next();
  };
}

/**
 * Guards a route that any signed-in person or token may use (e.g. `GET /api/me`): 401 without
 * an actor. Every role holds `session.read`, so this is `requireCapability('session.read')` by name.
 */
export function requireSignedIn(): RequestHandler {
  return requireCapability('session.read');
}

/** The actor of a request that passed `requireCapability`. */
export function actorOf(req: Express.Request): Actor {
  if (!req.actor) throw new AppError(401, 'unauthenticated', 'Sign in or send an API token.');
  return req.actor;
}
