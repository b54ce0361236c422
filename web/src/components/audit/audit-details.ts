import { z } from 'zod';
import { accessPurposeLabel } from '../../../../server/contract/privacy.ts';
import { formatDateTime } from '../../format/date.ts';

/**
 * An audit entry's `details` as words. Each action the server writes has a one-line summary built
 * from the fields it records; an entry whose details do not have the expected shape (an older
 * entry, or an action this list does not know) falls back to "key value · key value". Nothing here
 * returns JSON or markup: the table renders these strings as text.
 */

const separator = ' · ';
/** Free text (reasons, errors, notes) is cut in the one-line summary; the expanded view has all of it. */
const summaryTextLimit = 80;
const summaryLimit = 240;

const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

export function clip(text: string, limit = summaryTextLimit): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > limit ? `${flat.slice(0, limit - 1).trimEnd()}…` : flat;
}

/** `withoutEvidence` → "without evidence"; `from.version` → "from version". */
export function humanizeKey(key: string): string {
  return key
    .split('.')
    .map((part) =>
      part
        .replace(/_/g, ' ')
        .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
        .toLowerCase(),
    )
    .join(' ');
}

/** One value as text: dates formatted, booleans as yes/no, lists joined; objects never reach here flattened. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') {
    if (isoInstant.test(value)) {
      const date = new Date(value);
      if (!Number.isNaN(date.getTime())) return formatDateTime(date);
    }
    return value === '' ? '(empty)' : value;
  }
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map(formatValue).join(', ');
  if (typeof value === 'object') {
    const fields = detailFields(value as Record<string, unknown>);
    return fields.length === 0 ? 'none' : `(${fields.map((field) => `${field.label} ${field.value}`).join(separator)})`;
  }
  return '';
}

export interface DetailField {
  /** The key path, as recorded (`from.version`). */
  key: string;
  /** The key path in words (`from version`). */
  label: string;
  value: string;
}

/** Every detail, nested objects flattened to key paths; the expanded row shows these in full. */
export function detailFields(details: Record<string, unknown>, prefix = ''): DetailField[] {
  return Object.entries(details).flatMap(([key, value]): DetailField[] => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const nested = detailFields(value as Record<string, unknown>, path);
      return nested.length > 0 ? nested : [{ key: path, label: humanizeKey(path), value: 'none' }];
    }
    return [{ key: path, label: humanizeKey(path), value: formatValue(value) }];
  });
}

/** The fallback: "key value · key value", free text clipped. */
export function genericSummary(details: Record<string, unknown>): string {
  return detailFields(details)
    .map((field) => `${field.label} ${clip(field.value)}`)
    .join(separator);
}

// The shapes the server records (server/**: appendAudit). Loose on purpose: extra fields are ignored.
const thresholdSet = z.object({
  livenessReview: z.number(),
  livenessDecline: z.number(),
  faceMatchReview: z.number().nullable().optional(),
  faceMatchDecline: z.number().nullable().optional(),
});
type ThresholdSet = z.infer<typeof thresholdSet>;

const pair = (review: number, decline: number) => `${review}/${decline}`;
const liveness = (t: ThresholdSet) => pair(t.livenessReview, t.livenessDecline);
const faceMatch = (t: ThresholdSet) =>
  t.faceMatchReview != null && t.faceMatchDecline != null ? pair(t.faceMatchReview, t.faceMatchDecline) : null;

/** "liveness 70/50 · face match 80/60" (face match left out where the workflow does not match faces). */
export function formatThresholds(t: ThresholdSet): string {
  const face = faceMatch(t);
  return [`liveness ${liveness(t)}`, face ? `face match ${face}` : null].filter(Boolean).join(separator);
}

/** "liveness 75/50 → 70/50 · face match 80/60": each pair, with where it came from when it changed. */
function thresholdChange(before: ThresholdSet | null | undefined, after: ThresholdSet): string {
  if (!before) return formatThresholds(after);
  const parts: string[] = [];
  const was = liveness(before);
  const now = liveness(after);
  parts.push(was === now ? `liveness ${now}` : `liveness ${was} → ${now}`);
  const faceWas = faceMatch(before);
  const faceNow = faceMatch(after);
  if (faceWas !== faceNow) parts.push(`face match ${faceWas ?? 'off'} → ${faceNow ?? 'off'}`);
  else if (faceNow) parts.push(`face match ${faceNow}`);
  return parts.join(separator);
}

/** What differs between ours and Didit's: "liveness 70/50 here, 60/50 at Didit". */
function thresholdDrift(ours: ThresholdSet, didit: ThresholdSet): string {
  const parts: string[] = [];
  if (liveness(ours) !== liveness(didit)) parts.push(`liveness ${liveness(ours)} here, ${liveness(didit)} at Didit`);
  const faceOurs = faceMatch(ours);
  const faceDidit = faceMatch(didit);
  if (faceOurs !== faceDidit) parts.push(`face match ${faceOurs ?? 'off'} here, ${faceDidit ?? 'off'} at Didit`);
  return parts.length > 0 ? parts.join(separator) : formatThresholds(ours);
}

const optionalText = z.string().nullable().optional();
const version = z.number();
const diditVersion = z.union([z.number(), z.string()]).nullable().optional();
const diditV = (value: number | string | null | undefined) => (value == null ? 'unknown version' : `v${value}`);

/** "1 session", "3 sessions". */
const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const joinParts = (parts: Array<string | null | undefined | false>) => parts.filter(Boolean).join(separator);

function describe<S extends z.ZodType>(schema: S, format: (details: z.infer<S>) => string) {
  return (details: Record<string, unknown>): string | undefined => {
    const parsed = schema.safeParse(details);
    return parsed.success ? format(parsed.data) : undefined;
  };
}

const reviewEvent = z.object({ reviewEventId: z.union([z.number(), z.string()]) });

const viewFilters = z.record(z.string(), z.unknown());
const paramText = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
/** A saved view's filters as the queue's URL carries them (`status=Approved&sort=liveness`); "default queue" when none. */
function filterText(filters: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (value === null || value === undefined) continue;
    params.set(key, Array.isArray(value) ? value.map(paramText).join(',') : paramText(value));
  }
  const text = [...params].map(([key, value]) => `${key}=${value}`).join(' ');
  return text ? clip(text, 160) : 'the default queue';
}

const faceBlockPush = z.object({ faceBlockId: z.number(), action: z.enum(['block', 'unblock']).optional() });

// Second review and four eyes (issue 20, ADR 0021).
const secondReviewRuleLabels: Record<string, string> = {
  face_match_floor: 'face match below the floor',
  near_decline_line: 'score near the decline line',
  repeat_attempt: 'third attempt within a day',
  sample: 'random sample',
  override_declined: 'override of an automatic Declined',
};
const secondReviewRules = (rules: string[]) =>
  rules.map((rule) => secondReviewRuleLabels[rule] ?? rule.replaceAll('_', ' ')).join(', ');
const secondReviewPurpose = (purpose: string) =>
  purpose === 'four_eyes' ? 'four eyes' : purpose === 'quality' ? 'quality check' : purpose.replaceAll('_', ' ');
const secondReviewSettings = z.object({
  sharePercent: z.number(),
  faceMatchFloor: z.number().nullable(),
  declineMargin: z.number().nullable(),
  repeatAttempts: z.boolean(),
});
type SecondReviewSettingsDetails = z.infer<typeof secondReviewSettings>;
/** Each rule in words: its name, and its value as the workflow page writes it. */
const secondReviewSettingWords: Array<{ label: string; text: (settings: SecondReviewSettingsDetails) => string }> = [
  { label: 'share checked', text: (s) => `${s.sharePercent} %` },
  { label: 'face match floor', text: (s) => (s.faceMatchFloor === null ? 'off' : String(s.faceMatchFloor)) },
  { label: 'margin around the decline line', text: (s) => (s.declineMargin === null ? 'off' : `${s.declineMargin} points`) },
  { label: 'third attempt within a day', text: (s) => (s.repeatAttempts ? 'on' : 'off') },
];
/** "share checked 0 % → 10 % · face match floor off → 65": what changed (every rule, when nothing did). */
function secondReviewSettingsChange(from: SecondReviewSettingsDetails, to: SecondReviewSettingsDetails): string {
  const changed = secondReviewSettingWords.filter(({ text }) => text(from) !== text(to));
  if (changed.length === 0) return secondReviewSettingWords.map(({ label, text }) => `${label} ${text(to)}`).join(separator);
  return changed.map(({ label, text }) => `${label} ${text(from)} → ${text(to)}`).join(separator);
}

const describers = new Map<string, (details: Record<string, unknown>) => string | undefined>(
  Object.entries({
    'session.decided': describe(
      z.object({
        decision: z.string(),
        reason: z.string(),
        override: z.boolean().optional(),
        fromStatus: z.string().optional(),
        withoutEvidence: z.array(z.string()).optional(),
        escalationEventId: z.union([z.number(), z.string()]).optional(),
        secondReview: z.object({ id: z.number(), purpose: z.string(), rules: z.array(z.string()) }).optional(),
      }),
      (d) =>
        joinParts([
          d.decision,
          `reason ${d.reason}`,
          d.override ? `override of ${d.fromStatus ?? 'an automatic decision'}` : null,
          d.withoutEvidence?.length ? `without images: ${d.withoutEvidence.join(', ')}` : null,
          d.escalationEventId !== undefined ? `ends the escalation (review event ${d.escalationEventId})` : null,
          // Issue 20: held from Didit for a second analyst (four eyes), or picked for a blind quality check.
          d.secondReview
            ? d.secondReview.purpose === 'four_eyes'
              ? `held for a second analyst (four eyes: ${secondReviewRules(d.secondReview.rules)}) · second review ${d.secondReview.id}`
              : `picked for a blind quality check (${secondReviewRules(d.secondReview.rules)}) · second review ${d.secondReview.id}`
            : null,
        ]),
    ),
    // Issue 20: handed to the leads with a note (the note stays in the review event, not here).
    'session.escalated': describe(reviewEvent.extend({ releasedClaim: z.boolean().optional() }), (d) =>
      joinParts([`escalated to a lead · review event ${d.reviewEventId}`, d.releasedClaim ? 'claim released' : null]),
    ),
    'session.de_escalated': describe(
      reviewEvent.extend({ escalationEventId: z.union([z.number(), z.string()]).nullable().optional() }),
      (d) =>
        joinParts([
          `returned to the analysts’ queue · review event ${d.reviewEventId}`,
          d.escalationEventId != null ? `escalated in review event ${d.escalationEventId}` : null,
        ]),
    ),
    // Issue 20: the user asked to redo the liveness step (an email address, if any, is never recorded).
    'session.resubmission_requested': describe(
      reviewEvent.extend({
        reason: z.string(),
        nodes: z.array(z.string()).optional(),
        emailSent: z.boolean().optional(),
        emailLanguage: z.string().optional(),
      }),
      (d) =>
        joinParts([
          `asked the user to try again · reason ${d.reason}`,
          d.nodes?.length ? `steps ${d.nodes.join(', ')}` : null,
          d.emailSent ? `emailed by Didit${d.emailLanguage ? ` (${d.emailLanguage})` : ''}` : 'no email',
          `review event ${d.reviewEventId}`,
        ]),
    ),
    // Issue 20: a decision taken back within its undo window, before Didit heard of it.
    'session.decision_undone': describe(
      reviewEvent.extend({
        decision: z.string(),
        reason: optionalText,
        secondsLeft: z.number().optional(),
        faceBlockWithdrawn: z.boolean().optional(),
        secondReviewWithdrawn: z.union([z.number(), z.string()]).optional(),
      }),
      (d) =>
        joinParts([
          `${d.decision} undone`,
          d.reason ? `reason was ${d.reason}` : null,
          `review event ${d.reviewEventId}`,
          d.secondsLeft !== undefined ? `${d.secondsLeft} s before its push` : null,
          d.faceBlockWithdrawn ? 'face block withdrawn with it' : null,
          d.secondReviewWithdrawn !== undefined ? `second review ${d.secondReviewWithdrawn} withdrawn with it` : null,
          'never sent to Didit',
        ]),
    ),
    // Issue 20: the second analyst's blind verdict; the first is named now that it has been given.
    'session.second_review_answered': describe(
      reviewEvent.extend({
        secondReviewId: z.number(),
        purpose: z.string(),
        verdict: z.string(),
        reason: optionalText,
        firstVerdict: z.string(),
        outcome: z.enum(['agreed', 'disagreed']),
        released: z.boolean().optional(),
      }),
      (d) =>
        joinParts([
          `second review ${d.secondReviewId} (${secondReviewPurpose(d.purpose)}): ${d.verdict}`,
          d.reason ? `reason ${d.reason}` : null,
          d.outcome === 'agreed'
            ? `agrees with the first verdict (${d.firstVerdict})`
            : `disagrees with the first verdict (${d.firstVerdict}) · sent to the leads`,
          d.released ? 'held decision released to Didit' : null,
          `review event ${d.reviewEventId}`,
        ]),
    ),
    // Issue 20: a lead settles a disagreement; the verdict that stands, and the new decision when it replaced the first.
    'session.second_review_resolved': describe(
      reviewEvent.extend({
        secondReviewId: z.number(),
        purpose: z.string(),
        verdict: z.string(),
        upheld: z.enum(['first', 'second']),
        firstVerdict: z.string(),
        secondVerdict: z.string().nullable().optional(),
        decisionEventId: z.union([z.number(), z.string()]).optional(),
      }),
      (d) =>
        joinParts([
          `second review ${d.secondReviewId} (${secondReviewPurpose(d.purpose)}) settled: ${d.verdict} stands`,
          d.upheld === 'first'
            ? `first verdict upheld${d.secondVerdict ? ` over the second (${d.secondVerdict})` : ''}`
            : `replaces the first verdict (${d.firstVerdict})`,
          d.upheld === 'first' && d.purpose === 'four_eyes' ? 'held decision released to Didit' : null,
          d.decisionEventId !== undefined ? `new decision in review event ${d.decisionEventId}` : null,
          `review event ${d.reviewEventId}`,
        ]),
    ),
    'session.media_viewed': (details) => {
      // Since issue 19: the reveal of the blurred faces, with the purpose of access when the session was not theirs.
      const revealed = z
        .object({ purpose: z.string().nullable(), purposeNote: optionalText, claimed: z.boolean().optional() })
        .safeParse(details);
      if (revealed.success) {
        const { purpose, purposeNote, claimed } = revealed.data;
        return joinParts([
          'revealed the faces',
          purpose ? `purpose: ${accessPurposeLabel(purpose)}` : claimed ? 'claimed session' : null,
          purposeNote ? `“${clip(purposeNote)}”` : null,
        ]);
      }
      // Older entries: the page open (or a media refresh) was the look.
      const refresh = z.object({ refreshed: z.boolean(), stale: z.boolean().optional() }).safeParse(details);
      if (refresh.success) {
        return joinParts([
          refresh.data.refreshed ? 'links refreshed' : 'links not refreshed',
          refresh.data.stale ? 'stale' : null,
        ]);
      }
      const opened = z.object({ vendorData: optionalText }).safeParse(details);
      if (opened.success)
        return joinParts(['opened the images', opened.data.vendorData ? `vendor data ${opened.data.vendorData}` : null]);
      return undefined;
    },
    'session.decision_pushed': describe(reviewEvent, (d) => `sent to Didit · review event ${d.reviewEventId}`),
    'session.decision_push_failed': describe(reviewEvent.extend({ error: optionalText }), (d) =>
      joinParts(['not sent to Didit', d.error ? clip(d.error) : null, `review event ${d.reviewEventId}`]),
    ),
    // A request to try again says whether its retry carried the email (the first address is not kept).
    'session.decision_push_retried': describe(
      reviewEvent.extend({ emailSent: z.boolean().optional(), emailLanguage: z.string().optional() }),
      (d) =>
        joinParts([
          'sent to Didit again',
          d.emailSent === undefined
            ? null
            : d.emailSent
              ? `emailed by Didit${d.emailLanguage ? ` (${d.emailLanguage})` : ''}`
              : 'no email',
          `review event ${d.reviewEventId}`,
        ]),
    ),
    // Face blocklist (issue 20): the block and its lifting, and Didit's answer to each.
    'session.face_blocked': describe(
      z.object({ reason: z.string(), faceBlockId: z.number(), reviewEventId: z.number().optional() }),
      (d) => joinParts(['declined and face blocked', `reason ${d.reason}`, `face block ${d.faceBlockId}`]),
    ),
    // The lead's note stays in the face block, where retention and erasure reach it.
    'session.face_unblocked': describe(z.object({ faceBlockId: z.number() }), (d) =>
      joinParts(['face unblocked', `face block ${d.faceBlockId}`]),
    ),
    'session.face_block_pushed': describe(faceBlockPush, (d) =>
      joinParts([
        d.action === 'unblock' ? 'unblock confirmed by Didit' : 'block confirmed by Didit',
        `face block ${d.faceBlockId}`,
      ]),
    ),
    'session.face_block_push_failed': describe(faceBlockPush.extend({ error: optionalText }), (d) =>
      joinParts([`Didit refused the ${d.action ?? 'block'}`, d.error ? clip(d.error) : null, `face block ${d.faceBlockId}`]),
    ),
    'session.face_block_push_retried': describe(faceBlockPush, (d) =>
      joinParts([`${d.action ?? 'block'} sent to Didit again`, `face block ${d.faceBlockId}`]),
    ),
    'session.decision_push_requeued': describe(reviewEvent.extend({ job: optionalText, attempts: z.number().optional() }), (d) =>
      joinParts([
        `stuck push re-queued · review event ${d.reviewEventId}`,
        d.job ? `job was ${d.job.replaceAll('_', ' ')}` : null,
        d.attempts ? `${d.attempts} failed attempt${d.attempts === 1 ? '' : 's'}` : null,
      ]),
    ),

    'threshold.proposed': describe(
      z.object({ version, thresholds: thresholdSet, previous: thresholdSet.nullable().optional(), reason: optionalText }),
      (d) =>
        joinParts([`v${d.version} proposed`, thresholdChange(d.previous, d.thresholds), d.reason ? `“${clip(d.reason)}”` : null]),
    ),
    'threshold.approved': describe(z.object({ version, thresholds: thresholdSet, proposedBy: optionalText }), (d) =>
      joinParts([`v${d.version} approved`, formatThresholds(d.thresholds), d.proposedBy ? `proposed by ${d.proposedBy}` : null]),
    ),
    'threshold.rejected': describe(z.object({ version, note: optionalText }), (d) =>
      joinParts([`v${d.version} rejected`, d.note ? `“${clip(d.note)}”` : null]),
    ),
    'threshold.withdrawn': describe(z.object({ version, note: optionalText }), (d) =>
      joinParts([`v${d.version} withdrawn`, d.note ? `“${clip(d.note)}”` : null]),
    ),
    'threshold.applied': describe(z.object({ version, thresholds: thresholdSet, diditVersion }), (d) =>
      joinParts([`v${d.version} applied to Didit ${diditV(d.diditVersion)}`, formatThresholds(d.thresholds)]),
    ),
    'threshold.push_failed': describe(z.object({ version, error: optionalText }), (d) =>
      joinParts([`v${d.version} not applied`, d.error ? clip(d.error) : null]),
    ),
    'threshold.push_retried': describe(z.object({ version, lastError: optionalText }), (d) =>
      joinParts([`v${d.version} pushed again`, d.lastError ? `last error: ${clip(d.lastError)}` : null]),
    ),
    'threshold.drift_detected': describe(z.object({ version, ours: thresholdSet, didit: thresholdSet, diditVersion }), (d) =>
      joinParts([`Didit ${diditV(d.diditVersion)} differs from v${d.version}`, thresholdDrift(d.ours, d.didit)]),
    ),
    'threshold.drift_resolved': describe(z.object({ version, thresholds: thresholdSet }), (d) =>
      joinParts([`Didit matches v${d.version} again`, formatThresholds(d.thresholds)]),
    ),
    'privacy.retention_applied': describe(
      z.object({
        sessions: z.number(),
        webhookBodies: z.number().optional(),
        quarantined: z.number().optional(),
        notes: z.number().optional(),
        retentionDays: z.number().optional(),
      }),
      (d) =>
        joinParts([
          `personal data removed from ${count(d.sessions, 'session')}`,
          d.retentionDays ? `${d.retentionDays} days after the final decision` : null,
          d.webhookBodies ? `${count(d.webhookBodies, 'delivery body', 'delivery bodies')}` : null,
          d.quarantined ? `${count(d.quarantined, 'quarantined delivery', 'quarantined deliveries')}` : null,
          d.notes ? `${count(d.notes, 'note')}` : null,
        ]),
    ),
    'privacy.erasure_requested': describe(
      z.object({
        reference: z.string(),
        scope: z.string().optional(),
        resumed: z.boolean().optional(),
        sessionsKnown: z.number(),
      }),
      (d) =>
        joinParts([
          `erasure ${d.resumed ? 'resumed' : 'requested'} · ${d.reference}`,
          d.scope === 'session' ? 'this session only' : 'every session of the person',
          `${count(d.sessionsKnown, 'session')} erased here`,
        ]),
    ),
    'privacy.erasure_completed': describe(
      z.object({ reference: z.string(), sessions: z.number(), deleted: z.number().optional(), gone: z.number().optional() }),
      (d) =>
        joinParts([
          `erasure complete · ${d.reference}`,
          `${count(d.sessions, 'session')} deleted at Didit`,
          d.gone ? `${d.gone} already gone there` : null,
        ]),
    ),
    'workflow.viewer_reveal_changed': describe(z.object({ from: z.boolean(), to: z.boolean() }), (d) =>
      d.to ? 'viewers may now reveal faces' : 'faces hidden from viewers again',
    ),
    'workflow.evidence_pack_images_changed': describe(z.object({ from: z.boolean(), to: z.boolean() }), (d) =>
      d.to ? 'evidence packs now embed the images' : 'evidence packs carry image hashes only again',
    ),
    // Assignment and SLAs (ADR 0020).
    'workflow.auto_assign_changed': describe(z.object({ from: z.boolean(), to: z.boolean() }), (d) =>
      d.to ? 'new In Review sessions are now assigned automatically' : 'automatic assignment turned off',
    ),
    // Second review and four eyes (issue 20, ADR 0021).
    'workflow.second_review_changed': describe(z.object({ from: secondReviewSettings, to: secondReviewSettings }), (d) =>
      joinParts(['second review rules changed', secondReviewSettingsChange(d.from, d.to)]),
    ),
    'session.assigned': describe(z.object({ assignee: z.string(), slaDueAt: z.string() }), (d) => `assigned to ${d.assignee}`),
    'session.unassigned': describe(z.object({ reason: z.string() }), (d) =>
      d.reason === 'unavailable' ? 'assignment handed back (became unavailable)' : 'assignment ended (claimed by someone else)',
    ),
    'analyst.availability_changed': describe(z.object({ to: z.boolean(), released: z.number() }), (d) =>
      d.to
        ? 'available for assignment'
        : `not available for assignment${d.released ? ` · ${count(d.released, 'session')} handed back` : ''}`,
    ),
    'analyst.cap_changed': describe(z.object({ to: z.number().nullable() }), (d) =>
      d.to === null ? 'assignment cap back to the default' : `assignment cap set to ${d.to}`,
    ),
    'session.evidence_pack_generated': describe(
      z.object({ pages: z.number(), sha256: z.string(), imagesIncluded: z.boolean() }),
      (d) =>
        joinParts([
          `evidence pack (PDF) generated · ${count(d.pages, 'page')}`,
          d.imagesIncluded ? 'images embedded' : 'image hashes only',
          `sha256 ${d.sha256.slice(0, 12)}…`,
        ]),
    ),
    'workflow.didit_version_changed': describe(
      z.object({
        from: z.object({ version: diditVersion, settingsId: optionalText }),
        to: z.object({ version: diditVersion, settingsId: optionalText }),
      }),
      (d) => `Didit ${diditV(d.from.version)} → ${diditV(d.to.version)}`,
    ),

    // Saved queue views (issue 20): the view's name, and its filters as the queue's URL would carry them.
    'queue_view.saved': describe(z.object({ name: z.string(), filters: viewFilters }), (d) =>
      joinParts([`“${clip(d.name)}” saved`, filterText(d.filters)]),
    ),
    'queue_view.updated': describe(
      z.object({ name: z.string(), renamedFrom: optionalText, filters: viewFilters.optional(), shared: z.boolean().optional() }),
      (d) =>
        joinParts([
          d.renamedFrom ? `“${clip(d.renamedFrom)}” renamed “${clip(d.name)}”` : `“${clip(d.name)}” changed`,
          d.filters ? `filters now ${filterText(d.filters)}` : null,
          d.shared ? 'shared with the team' : null,
        ]),
    ),
    'queue_view.shared': describe(z.object({ name: z.string(), owner: optionalText }), (d) =>
      joinParts([`“${clip(d.name)}” shared with the team`, d.owner ? `owner ${d.owner}` : null]),
    ),
    'queue_view.unshared': describe(z.object({ name: z.string(), owner: optionalText, sharedBy: optionalText }), (d) =>
      joinParts([`“${clip(d.name)}” no longer shared`, d.owner ? `owner ${d.owner}` : null]),
    ),
    'queue_view.deleted': describe(
      z.object({ name: z.string(), owner: optionalText, shared: z.boolean().optional(), filters: viewFilters.optional() }),
      (d) =>
        joinParts([
          `“${clip(d.name)}” deleted`,
          d.shared ? 'was shared with the team' : null,
          d.owner ? `owner ${d.owner}` : null,
          d.filters ? filterText(d.filters) : null,
        ]),
    ),

    'auth.login': describe(z.object({ role: z.string() }), (d) => `role ${d.role}`),
    'auth.login_refused': describe(z.object({ email: optionalText, reason: z.string() }), (d) =>
      joinParts([d.email, clip(d.reason)]),
    ),
    'auth.login_failed': describe(z.object({ reason: z.string() }), (d) => clip(d.reason)),
    'auth.session_ended': describe(z.object({ reason: z.string() }), (d) => clip(d.reason)),

    'token.created': describe(z.object({ name: z.string(), role: z.string(), expiresAt: optionalText, via: optionalText }), (d) =>
      joinParts([
        `“${d.name}”`,
        `role ${d.role}`,
        d.expiresAt ? `expires ${formatValue(d.expiresAt)}` : 'never expires',
        d.via ? `via ${d.via}` : null,
      ]),
    ),
    'token.revoked': describe(z.object({ name: z.string(), role: z.string(), via: optionalText }), (d) =>
      joinParts([`“${d.name}”`, `role ${d.role}`, d.via ? `via ${d.via}` : null]),
    ),
    'token.used': describe(z.object({ status: z.number() }), (d) => `answered HTTP ${d.status}`),

    'audit.exported': describe(z.object({ filters: z.record(z.string(), z.unknown()) }), (d) => {
      const filters = genericSummary(Object.fromEntries(Object.entries(d.filters).filter(([, value]) => value != null)));
      return joinParts(['CSV export', filters || 'all entries']);
    }),

    'webhook.replay': describe(
      z.object({
        webhookType: optionalText,
        status: optionalText,
        wasParked: z.boolean().optional(),
        previousAttempts: z.number().optional(),
        previousError: optionalText,
      }),
      (d) =>
        joinParts([
          `${d.webhookType ?? 'webhook'}${d.status ? ` (${d.status})` : ''} replayed`,
          d.wasParked ? 'was parked' : null,
          d.previousAttempts ? `${d.previousAttempts} earlier attempt${d.previousAttempts === 1 ? '' : 's'}` : null,
          d.previousError ? `last error: ${clip(d.previousError)}` : null,
        ]),
    ),
  }),
);

/** One line of text for an entry's details; '' when there are none. */
export function summarizeAuditDetails(action: string, details: Record<string, unknown>): string {
  if (Object.keys(details).length === 0) return '';
  const summary = describers.get(action)?.(details) || genericSummary(details);
  return clip(summary, summaryLimit);
}
