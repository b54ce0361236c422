import { randomUUID } from 'node:crypto';
import type { Actor } from '../../server/auth/rbac.ts';
import type { Database } from '../../server/db/database.ts';
import type { Role } from '../../server/db/schema.ts';

/** Rows for tests, written through the real schema. */

export async function seedWorkflow(
  db: Database,
  overrides: {
    id?: string;
    label?: string;
    hasFaceMatch?: boolean;
    slaMinutes?: number;
    settings?: Record<string, unknown>;
  } = {},
): Promise<string> {
  const id = overrides.id ?? randomUUID();
  await db
    .insertInto('workflow')
    .values({
      id,
      label: overrides.label ?? 'Returning user – liveness + face match',
      workflow_type: 'biometric_authentication',
      has_face_match: overrides.hasFaceMatch ?? true,
      liveness_method: 'PASSIVE',
      sla_minutes: overrides.slaMinutes ?? 240,
      didit_settings: overrides.settings ? JSON.stringify(overrides.settings) : null,
    })
    .execute();
  return id;
}

export interface SeedSession {
  id?: string;
  workflowId: string;
  status?: string;
  vendorData?: string;
  livenessScore?: number | null;
  faceMatchScore?: number | null;
  method?: string;
  warningCodes?: string[];
  inReviewSince?: Date;
  diditCreatedAt?: Date;
}

export async function seedSession(db: Database, session: SeedSession): Promise<string> {
  const id = session.id ?? randomUUID();
  const status = session.status ?? 'In Review';
  await db
    .insertInto('verification_session')
    .values({
      id,
      workflow_id: session.workflowId,
      vendor_data: session.vendorData ?? `anon-${id.slice(0, 6)}`,
      status,
      liveness_score: session.livenessScore === undefined ? 62.5 : session.livenessScore,
      face_match_score: session.faceMatchScore === undefined ? 55 : session.faceMatchScore,
      liveness_method: session.method ?? 'PASSIVE',
      warning_codes: session.warningCodes ?? ['LOW_FACE_MATCH_SIMILARITY'],
      warnings: JSON.stringify(
        (session.warningCodes ?? ['LOW_FACE_MATCH_SIMILARITY']).map((risk) => ({
          feature: risk.includes('FACE_MATCH') ? 'FACEMATCH' : 'LIVENESS',
          risk,
          logType: 'warning',
          shortDescription: risk,
          longDescription: `${risk} (long)`,
          nodeId: null,
          additionalData: null,
        })),
      ),
      in_review_since: status === 'In Review' ? (session.inReviewSince ?? new Date()) : null,
      event_at: new Date(),
      didit_created_at: session.diditCreatedAt ?? null,
      media: JSON.stringify({}),
    })
    .execute();
  return id;
}

export async function seedUser(db: Database, email: string, role: Role): Promise<Actor> {
  const row = await db
    .insertInto('app_user')
    .values({ subject: `sub-${email}`, issuer: 'http://idp.test', email, display_name: email, roles: [role] })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { kind: 'user', id: row.id, label: email, role };
}
