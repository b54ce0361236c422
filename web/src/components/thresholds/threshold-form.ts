import type { z } from 'zod';
import {
  faceMatchIssue,
  proposeThresholdsSchema,
  rejectProposalSchema,
  thresholdSetSchema,
  type ThresholdSet,
} from '../../../../server/contract/thresholds.ts';

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
 * The drafts checked by the contract's `thresholdSetSchema` and its rule for the workflow
 * (`faceMatchIssue`), the same rules the server applies, so what the server would refuse (a
 * fraction, a value outside 0–100, decline above review, face-match values that do not fit the
 * workflow) is shown, and never sent. Only a set that passes is handed back, as whole numbers.
 */
export function checkThresholds(drafts: ThresholdDrafts, hasFaceMatch: boolean): ThresholdCheck {
  const candidate = {
    livenessReview: draftNumber(drafts.livenessReview),
    livenessDecline: draftNumber(drafts.livenessDecline),
    faceMatchReview: draftNumber(drafts.faceMatchReview),
    faceMatchDecline: draftNumber(drafts.faceMatchDecline),
  };
  const parsed = thresholdSetSchema.safeParse(candidate);
  if (parsed.success) {
    const issue = faceMatchIssue(parsed.data, hasFaceMatch);
    if (!issue) return { ok: true, value: parsed.data };
    return { ok: false, problems: [{ key: issue.path, text: `${labels[issue.path]}: ${issue.message}` }] };
  }
  const problems = parsed.error.issues.map((issue): ThresholdProblem => {
    const key = isKey(issue.path[0]) ? issue.path[0] : null;
    // An empty box reaches the schema as NaN; its type message would mean nothing to a person.
    const empty = key !== null && Number.isNaN(candidate[key]);
    const message = empty ? 'enter a whole number from 0 to 100' : issue.message;
    return { key, text: key ? `${labels[key]}: ${message}` : message };
  });
  return { ok: false, problems };
}

/** The first thing `schema` refuses in `text`, as a sentence; null when the server would take it. */
function textProblem(schema: z.ZodType<string>, text: string): string | null {
  const parsed = schema.safeParse(text);
  if (parsed.success) return null;
  const message = parsed.error.issues[0]?.message ?? 'not accepted';
  return `${message.charAt(0).toUpperCase()}${message.slice(1)}.`;
}

/** What is wrong with a proposal's reason by the contract (`proposeThresholdsSchema`), or null. */
export const reasonProblem = (reason: string) => textProblem(proposeThresholdsSchema.shape.reason, reason);

/** What is wrong with the note rejecting a proposal by the contract (`rejectProposalSchema`), or null. */
export const rejectionNoteProblem = (note: string) => textProblem(rejectProposalSchema.shape.note, note);
