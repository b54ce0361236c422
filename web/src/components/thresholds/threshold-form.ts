import { thresholdSetSchema, type ThresholdSet } from '../../../../server/contract/thresholds.ts';

export type ThresholdKey = keyof ThresholdSet;

export const thresholdFields: { key: ThresholdKey; label: string }[] = [
  { key: 'livenessReview', label: 'Liveness review' },
  { key: 'livenessDecline', label: 'Liveness decline' },
  { key: 'faceMatchReview', label: 'Face-match review' },
  { key: 'faceMatchDecline', label: 'Face-match decline' },
];

const labels = Object.fromEntries(thresholdFields.map((f) => [f.key, f.label])) as Record<ThresholdKey, string>;

/** What the analyst typed in each box; `null` for the face-match pair of a liveness-only workflow. */
export type ThresholdDrafts = Record<ThresholdKey, string | null>;

export function draftsFrom(t: ThresholdSet): ThresholdDrafts {
  const text = (value: number | null) => (value === null ? null : String(value));
  return {
    livenessReview: text(t.livenessReview),
    livenessDecline: text(t.livenessDecline),
    faceMatchReview: text(t.faceMatchReview),
    faceMatchDecline: text(t.faceMatchDecline),
  };
}

/** The number in a box; `NaN` when it is empty (the schema then refuses it). */
export function draftNumber(text: string | null): number | null {
  if (text === null) return null;
  return text.trim() === '' ? Number.NaN : Number(text);
}

/** The box's value when the contract accepts it on its own (a whole number 0–100), else null. */
export function acceptedValue(key: ThresholdKey, text: string | null): number | null {
  const parsed = thresholdSetSchema.shape[key].safeParse(draftNumber(text));
  return parsed.success ? parsed.data : null;
}

export interface ThresholdProblem {
  /** The field it is about, when there is one. */
  key: ThresholdKey | null;
  /** `Liveness review: must be a whole number`. */
  text: string;
}

export type ThresholdCheck = { ok: true; value: ThresholdSet } | { ok: false; problems: ThresholdProblem[] };

const isKey = (value: unknown): value is ThresholdKey => typeof value === 'string' && value in labels;

/**
 * The drafts checked by the contract's `thresholdSetSchema`, the same rules the server applies,
 * so what the server would refuse (a fraction, a value outside 0–100, decline above review) is
 * shown, and never sent. Only a set that passes is handed back, as whole numbers.
 */
export function checkThresholds(drafts: ThresholdDrafts): ThresholdCheck {
  const candidate = {
    livenessReview: draftNumber(drafts.livenessReview),
    livenessDecline: draftNumber(drafts.livenessDecline),
    faceMatchReview: draftNumber(drafts.faceMatchReview),
    faceMatchDecline: draftNumber(drafts.faceMatchDecline),
  };
  const parsed = thresholdSetSchema.safeParse(candidate);
  if (parsed.success) return { ok: true, value: parsed.data };
  const problems = parsed.error.issues.map((issue): ThresholdProblem => {
    const key = isKey(issue.path[0]) ? issue.path[0] : null;
    // An empty box reaches the schema as NaN; its type message would mean nothing to a person.
    const empty = key !== null && Number.isNaN(candidate[key]);
    const message = empty ? 'enter a whole number from 0 to 100' : issue.message;
    return { key, text: key ? `${labels[key]}: ${message}` : message };
  });
  return { ok: false, problems };
}
