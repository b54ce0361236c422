import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import {
  secondReviewSettingsResponseSchema,
  type SecondReviewSettings as Settings,
} from '../../../../server/contract/second-review.ts';
import type { WorkflowDetailDto, WorkflowDto } from '../../../../server/contract/thresholds.ts';
import { ApiError, apiRequest } from '../../api/client.ts';
import { queryKeys } from '../../api/queries.ts';
import { errorMessage } from '../../api/review.ts';
import styles from '../thresholds/Thresholds.module.css';
import own from './SecondReviewSettings.module.css';

/** `PUT /api/workflows/:id/second-review` (a lead's setting; audited `workflow.second_review_changed`). */
export const saveSecondReviewSettings = (workflowId: string, settings: Settings) =>
  apiRequest('PUT', `/api/workflows/${encodeURIComponent(workflowId)}/second-review`, secondReviewSettingsResponseSchema, {
    body: settings,
  });

/** What the rules do, said once above them (for leads and for everyone reading them). */
export const secondReviewIntro =
  'Approving a session that meets a rule waits for a second analyst’s confirmation. Overrides of an automatic Declined are always checked.';

const explain = {
  sharePercent: 'This share of analysts’ decisions is decided again, blind, by a second analyst after it has gone to Didit.',
  faceMatchFloor: 'Approving a face match below this score needs a second analyst.',
  declineMargin: 'Approving a liveness or face-match score within this many points of its decline line needs a second analyst.',
  repeatAttempts: 'Approving a user’s third (or later) attempt within 24 hours needs a second analyst.',
} as const;

type Field = keyof Settings;

/** The form's text boxes as typed: numbers as strings, so an empty box can mean "off". */
interface Draft {
  sharePercent: string;
  faceMatchFloor: string;
  declineMargin: string;
  repeatAttempts: boolean;
}

const draftOf = (settings: Settings): Draft => ({
  sharePercent: String(settings.sharePercent),
  faceMatchFloor: settings.faceMatchFloor === null ? '' : String(settings.faceMatchFloor),
  declineMargin: settings.declineMargin === null ? '' : String(settings.declineMargin),
  repeatAttempts: settings.repeatAttempts,
});

const optionalNumber = (text: string): number | null => (text.trim() === '' ? null : Number(text));

/**
 * The request body; the server judges it and says which field it refuses. An empty share is not
 * 0: it goes as NaN (JSON null), which the server refuses.
 */
const settingsOf = (draft: Draft): Settings => ({
  sharePercent: draft.sharePercent.trim() === '' ? Number.NaN : Number(draft.sharePercent),
  faceMatchFloor: optionalNumber(draft.faceMatchFloor),
  declineMargin: optionalNumber(draft.declineMargin),
  repeatAttempts: draft.repeatAttempts,
});

const sameRules = (a: Settings, b: Settings) =>
  a.sharePercent === b.sharePercent &&
  a.faceMatchFloor === b.faceMatchFloor &&
  a.declineMargin === b.declineMargin &&
  a.repeatAttempts === b.repeatAttempts;

/** The server's `validation_failed` issues by field (`details.issues[].path`). */
function fieldProblems(error: unknown): Partial<Record<Field, string>> {
  if (!(error instanceof ApiError) || error.code !== 'validation_failed') return {};
  const issues = (error.details as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues)) return {};
  const problems: Partial<Record<Field, string>> = {};
  for (const issue of issues as Array<{ path?: unknown; message?: unknown }>) {
    const field = (typeof issue.path === 'string' ? issue.path.split('.')[0] : '') as Field;
    if (field in explain && typeof issue.message === 'string') problems[field] ??= issue.message;
  }
  return problems;
}

/** The rules in words, for people who cannot change them. */
function describeRules(settings: Settings): Array<[Field, string, string]> {
  return [
    ['sharePercent', 'Share of decisions checked', `${settings.sharePercent} %`],
    ['faceMatchFloor', 'Face match floor', settings.faceMatchFloor === null ? 'off' : String(settings.faceMatchFloor)],
    [
      'declineMargin',
      'Margin around the decline line',
      settings.declineMargin === null ? 'off' : `${settings.declineMargin} point${settings.declineMargin === 1 ? '' : 's'}`,
    ],
    ['repeatAttempts', 'Third attempt within a day', settings.repeatAttempts ? 'on' : 'off'],
  ];
}

/**
 * A workflow's second review and four-eyes rules (issue 20, ADR 0021). Leads (`workflow.configure`)
 * change them here and save them together; everyone else reads them. A save puts the answer into
 * the workflow's cached page and the workflows list, so the page shows it without reading again.
 */
export function SecondReviewSettings({
  workflowId,
  secondReview,
  canChange,
}: {
  workflowId: string;
  secondReview: Settings;
  canChange: boolean;
}) {
  const titleId = useId();
  return (
    <section className={`${styles.panel} ${own.section}`} aria-labelledby={titleId}>
      <h2 id={titleId}>Second review and four eyes</h2>
      <p className={own.intro}>{secondReviewIntro}</p>
      {canChange ? (
        <SettingsForm workflowId={workflowId} secondReview={secondReview} />
      ) : (
        <dl className={own.readOnly}>
          {describeRules(secondReview).map(([field, term, value]) => (
            <div key={field}>
              <dt>{term}</dt>
              <dd>
                {value} <span className={styles.muted}>{explain[field]}</span>
              </dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

function SettingsForm({ workflowId, secondReview }: { workflowId: string; secondReview: Settings }) {
  const client = useQueryClient();
  const [draft, setDraft] = useState(() => draftOf(secondReview));
  // The rules as last read; when they change under the form (saved here, or by another lead),
  // an untouched form shows the new ones, and one being edited keeps what is typed.
  const [base, setBase] = useState(secondReview);
  if (!sameRules(base, secondReview)) {
    setBase(secondReview);
    if (sameRules(settingsOf(draft), base)) setDraft(draftOf(secondReview));
  }
  const save = useMutation({
    mutationFn: (settings: Settings) => saveSecondReviewSettings(workflowId, settings),
    onSuccess: (saved) => {
      client.setQueryData<WorkflowDetailDto>(queryKeys.workflow(workflowId), (old) =>
        old ? { ...old, secondReview: saved.secondReview } : old,
      );
      client.setQueryData<WorkflowDto[]>(queryKeys.workflows, (old) =>
        old?.map((workflow) => (workflow.id === workflowId ? { ...workflow, secondReview: saved.secondReview } : workflow)),
      );
      setDraft(draftOf(saved.secondReview));
    },
  });
  const problems = fieldProblems(save.error);
  const unchanged = sameRules(settingsOf(draft), secondReview);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(settingsOf(draft));
  };
  const edit = (patch: Partial<Draft>) => {
    setDraft({ ...draft, ...patch });
    if (save.isSuccess) save.reset();
  };
  return (
    <form onSubmit={submit} aria-label="Second review and four-eyes rules" noValidate>
      <NumberField
        label="Share of decisions checked (%)"
        field="sharePercent"
        value={draft.sharePercent}
        min={0}
        max={100}
        step={1}
        required
        problem={problems.sharePercent}
        onChange={(sharePercent) => edit({ sharePercent })}
      />
      <NumberField
        label="Face match floor"
        field="faceMatchFloor"
        value={draft.faceMatchFloor}
        min={0}
        max={100}
        problem={problems.faceMatchFloor}
        onChange={(faceMatchFloor) => edit({ faceMatchFloor })}
      />
      <NumberField
        label="Margin around the decline line (points)"
        field="declineMargin"
        value={draft.declineMargin}
        min={0}
        max={50}
        problem={problems.declineMargin}
        onChange={(declineMargin) => edit({ declineMargin })}
      />
      <Described text={explain.repeatAttempts}>
        {(describedBy) => (
          <label className={own.check}>
            <input
              type="checkbox"
              checked={draft.repeatAttempts}
              aria-describedby={describedBy}
              onChange={(event) => edit({ repeatAttempts: event.target.checked })}
            />{' '}
            Third attempt within a day
          </label>
        )}
      </Described>
      <div className={styles.actions}>
        <button type="submit" className={`${styles.button} ${styles.primary}`} disabled={save.isPending || unchanged}>
          {save.isPending ? 'Saving…' : 'Save rules'}
        </button>
        {save.isSuccess ? (
          <span role="status" className={styles.ok}>
            Rules saved.
          </span>
        ) : null}
        {save.error ? (
          <span role="alert" className={styles.error}>
            {errorMessage(save.error)}
          </span>
        ) : null}
      </div>
    </form>
  );
}

/** A text, with an id for the control it describes. */
function Described({ text, children }: { text: string; children: (describedBy: string) => ReactNode }) {
  const id = useId();
  return (
    <div className={own.row}>
      {children(id)}
      <span id={id} className={styles.muted}>
        {text}
      </span>
    </div>
  );
}

function NumberField({
  label,
  field,
  value,
  min,
  max,
  step,
  required = false,
  problem,
  onChange,
}: {
  label: string;
  field: Exclude<Field, 'repeatAttempts'>;
  value: string;
  min: number;
  max: number;
  step?: number;
  required?: boolean;
  problem: string | undefined;
  onChange: (value: string) => void;
}) {
  const problemId = useId();
  return (
    <Described text={required ? explain[field] : `${explain[field]} Leave it empty to turn the rule off.`}>
      {(describedBy) => (
        <>
          <label className={own.number}>
            {label}{' '}
            <input
              type="number"
              name={field}
              min={min}
              max={max}
              step={step ?? 'any'}
              required={required}
              value={value}
              aria-invalid={problem ? true : undefined}
              aria-describedby={problem ? `${problemId} ${describedBy}` : describedBy}
              onChange={(event) => onChange(event.target.value)}
            />
          </label>
          {problem ? (
            <span id={problemId} className={styles.error}>
              {problem}
            </span>
          ) : null}
        </>
      )}
    </Described>
  );
}
