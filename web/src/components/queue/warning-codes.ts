export type LogType = 'information' | 'warning' | 'error' | 'unknown';

/**
 * The queue lists warning codes without their log type (the contract's `warningCodes`), so the
 * chip colour comes from Didit's catalogue (docs/didit-contract.md §8): auto-decline risks are errors,
 * threshold/action risks usually warnings. Unknown codes stay neutral.
 */
const errorCodes = new Set([
  'NO_FACE_DETECTED',
  'LIVENESS_FACE_ATTACK',
  'FACE_IN_BLOCKLIST',
  'POSSIBLE_FACE_IN_BLOCKLIST',
  'AGE_BELOW_MINIMUM',
  'AGE_NOT_DETECTED',
  'NO_REFERENCE_IMAGE',
  'ID_DOCUMENT_IN_BLOCKLIST',
  'PHONE_NUMBER_IN_BLOCKLIST',
  'EMAIL_IN_BLOCKLIST',
  'DUPLICATED_FACE',
  // Raised by the console itself: Didit sent a score outside 0–100 (server/contract/data-problems.ts).
  'SCORE_OUT_OF_RANGE',
]);
const warningCodes = new Set([
  'LOW_LIVENESS_SCORE',
  'LOW_FACE_QUALITY',
  'LOW_FACE_LUMINANCE',
  'HIGH_FACE_LUMINANCE',
  'MULTIPLE_FACES_DETECTED',
  'POSSIBLE_DUPLICATED_FACE',
  'DUPLICATED_FACE_NAME_MISMATCH',
  'VIRTUAL_CAMERA_DETECTED',
  'LOW_FACE_MATCH_SIMILARITY',
]);
const informationCodes = new Set(['FACE_MATCH_MAX_ATTEMPTS_EXCEEDED']);

/** Codes offered as suggestions in the queue's warning filter. */
export const knownWarningCodes = [...warningCodes, ...errorCodes, ...informationCodes].sort();

export function logTypeOfCode(code: string): LogType {
  if (errorCodes.has(code)) return 'error';
  if (warningCodes.has(code)) return 'warning';
  if (informationCodes.has(code)) return 'information';
  return 'unknown';
}

export function normaliseLogType(logType: string | null): LogType {
  return logType === 'information' || logType === 'warning' || logType === 'error' ? logType : 'unknown';
}
