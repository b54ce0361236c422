import { createHmac, randomUUID } from 'node:crypto';
import { diditCanonicalJson } from '../../server/webhooks/didit-canonical-json.ts';

/**
 * Signed Didit webhook deliveries built from the contract (docs/didit-contract.md §10, §13), for tests and
 * benchmarks that need exact control of one delivery. Sandbox-driven tests use the sandbox.
 */

export interface EventOptions {
  sessionId?: string;
  status?: string;
  timestamp?: number;
  webhookType?: string;
  workflowId?: string;
  withDecision?: boolean;
  livenessScore?: number;
  faceMatchScore?: number;
  method?: string;
  mediaHost?: string;
  extra?: Record<string, unknown>;
}

export const TEST_WORKFLOW_ID = 'b1d2c3e4-0000-4000-8000-0000000000aa';

function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

export function mediaUrl(host: string, path: string, signedAt: Date, expiresSeconds = 3600): string {
  const params = new URLSearchParams({
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Date': amzDate(signedAt),
    'X-Amz-Expires': String(expiresSeconds),
    'X-Amz-Signature': 'f'.repeat(64),
  });
  return `${host}/${path}?${params.toString()}`;
}

/** A biometric decision as in docs/didit-contract.md §10 (about 2–3 KB once signed with its envelope). */
export function biometricDecision(
  options: EventOptions & { sessionId: string; status: string; timestamp: number },
): Record<string, unknown> {
  const host = options.mediaHost ?? 'https://media.example.test';
  const signedAt = new Date(options.timestamp * 1000);
  const liveness = options.livenessScore ?? 88.4;
  const faceMatch = options.faceMatchScore ?? 61.5;
  const faceWarnings =
    faceMatch <= 70
      ? [
          {
            feature: 'FACEMATCH',
            risk: 'LOW_FACE_MATCH_SIMILARITY',
            additional_data: { score: faceMatch, review_threshold: 70, decline_threshold: 50 },
            log_type: faceMatch <= 50 ? 'error' : 'warning',
            short_description: 'Low face match similarity',
            long_description: 'The selfie and the reference portrait are less similar than the review threshold.',
            node_id: 'feature_face_match',
          },
        ]
      : [];
  return {
    session_id: options.sessionId,
    session_number: 1042,
    session_kind: 'user',
    session_url: 'https://verify.didit.me/session/Ab12Cd34Ef56',
    status: options.status,
    workflow_id: options.workflowId ?? TEST_WORKFLOW_ID,
    features: ['LIVENESS', 'FACE_MATCH'],
    vendor_data: 'user-42',
    metadata: { login_attempt: '2' },
    callback: null,
    contact_details: null,
    expected_details: null,
    id_verifications: null,
    nfc_verifications: null,
    liveness_checks: [
      {
        node_id: 'feature_liveness',
        status: liveness <= 50 ? 'Declined' : liveness <= 70 ? 'In Review' : 'Approved',
        method: options.method ?? 'PASSIVE',
        score: liveness,
        reference_image: mediaUrl(host, `face/${options.sessionId}/liveness/reference.jpg`, signedAt),
        video_url: null,
        age_estimation: 31.7,
        face_quality: 82.1,
        face_luminance: 54.0,
        matches: [],
        warnings: [],
      },
    ],
    face_matches: [
      {
        node_id: 'feature_face_match',
        status: faceMatch <= 50 ? 'Declined' : faceMatch <= 70 ? 'In Review' : 'Approved',
        score: faceMatch,
        source_image_session_id: options.sessionId,
        source_image: mediaUrl(host, `face-match/${options.sessionId}/source.jpg`, signedAt),
        target_image: mediaUrl(host, `face-match/${options.sessionId}/target.jpg`, signedAt),
        warnings: faceWarnings,
      },
    ],
    poa_verifications: null,
    phone_verifications: null,
    email_verifications: null,
    aml_screenings: null,
    ip_analyses: null,
    database_validations: null,
    questionnaire_responses: null,
    reviews: [],
    created_at: new Date((options.timestamp - 60) * 1000).toISOString(),
    expires_at: new Date((options.timestamp + 7 * 86400) * 1000).toISOString(),
  };
}

export function sessionEvent(options: EventOptions = {}): Record<string, unknown> {
  const sessionId = options.sessionId ?? randomUUID();
  const status = options.status ?? 'In Review';
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const withDecision = options.withDecision ?? ['Approved', 'Declined', 'In Review', 'Abandoned'].includes(status);
  return {
    event_id: randomUUID(),
    webhook_type: options.webhookType ?? 'status.updated',
    timestamp,
    created_at: timestamp - 60,
    application_id: '11111111-0000-4000-8000-000000000001',
    environment: 'live',
    session_id: sessionId,
    status,
    workflow_id: options.workflowId ?? TEST_WORKFLOW_ID,
    workflow_version: 3,
    vendor_data: 'user-42',
    metadata: { login_attempt: '2' },
    ...(withDecision ? { decision: biometricDecision({ ...options, sessionId, status, timestamp }) } : {}),
    ...options.extra,
  };
}

export interface Delivery {
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * Signs a body the way Didit does (docs/didit-contract.md §13): the ASCII-escaped canonical JSON as
 * the body and its `X-Signature`, the literal UTF-8 form's `X-Signature-V2`, and `X-Signature-Simple`.
 */
export function signedDelivery(payload: Record<string, unknown>, secret: string): Delivery {
  const ascii = diditCanonicalJson(payload, { asciiOnly: true });
  const literal = diditCanonicalJson(payload, { asciiOnly: false });
  const simple = `${String(payload['timestamp'])}:${String(payload['session_id'])}:${String(payload['status'])}:${String(payload['webhook_type'])}`;
  const hmac = (message: string) => createHmac('sha256', Buffer.from(secret, 'utf8')).update(message, 'utf8').digest('hex');
  return {
    body: Buffer.from(ascii, 'utf8'),
    headers: {
      'content-type': 'application/json',
      'x-timestamp': String(payload['timestamp']),
      'x-signature': hmac(ascii),
      'x-signature-v2': hmac(literal),
      'x-signature-simple': hmac(simple),
    },
  };
}

export function postDelivery(
  baseUrl: string,
  delivery: Delivery,
  headers: Record<string, string | undefined> = {},
): Promise<Response> {
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...delivery.headers, ...headers })) if (value !== undefined) merged[name] = value;
  return fetch(`${baseUrl}/webhooks/didit`, { method: 'POST', headers: merged, body: delivery.body });
}

/** A string field of a JSON object (the sandbox's responses), or a clear failure. */
export function stringField(object: Record<string, unknown>, key: string): string {
  const value = object[key];
  if (typeof value !== 'string') throw new Error(`expected a string at ${key}, got ${typeof value}`);
  return value;
}
