import { useRef } from 'react';
import { reasonsFor, type ReasonCatalog, type SessionDetail } from '../../../../server/contract/review.ts';
import { isInteractiveTarget, useShortcuts } from '../../hooks/use-shortcuts.ts';
import type { Decision, DecisionDraft } from './DecisionForm.tsx';

export interface DecisionShortcutsOptions {
  session: SessionDetail;
  draft: DecisionDraft;
  setDraft: (draft: DecisionDraft | ((current: DecisionDraft) => DecisionDraft)) => void;
  reasons: ReasonCatalog | null;
  /** The page's status line. */
  say: (message: string) => void;
  /** Absent for roles that cannot claim: `c` then does nothing. */
  onClaimNext?: () => void;
  onShowShortcuts: () => void;
  /** `v`: reveal the faces (asking for a purpose first where needed), or blur them again. */
  onToggleReveal?: () => void;
  /** Off while a dialog is open. */
  enabled: boolean;
}

/**
 * The session page's keyboard: `a`/`d` choose a verdict, `r` asks the user to try again, `1`–`9` its reason, `n` the note,
 * Enter submits, Escape clears the verdict, `c` claims the next session, `v` reveals or blurs
 * the faces, `?` lists them.
 * Returns the decision form's refs the keys focus and submit.
 */
export function useDecisionShortcuts({
  session,
  draft,
  setDraft,
  reasons,
  say,
  onClaimNext,
  onShowShortcuts,
  onToggleReveal,
  enabled,
}: DecisionShortcutsOptions) {
  const fieldRef = useRef<HTMLFieldSetElement>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);

  const choose = (decision: Decision) => {
    if (!session.allowed.decide.includes(decision)) {
      say(
        session.allowed.decide.length > 0
          ? `${decision} is not available here.`
          : session.secondReview?.mayAnswer
            ? 'Give your verdict in the second review form.'
            : 'You cannot decide this session now.',
      );
      return;
    }
    setDraft((current) => ({ ...current, decision, reason: current.decision === decision ? current.reason : '' }));
    fieldRef.current?.focus();
  };

  const pickReason = (index: number) => {
    if (!draft.decision || !reasons) return false;
    const reason = reasonsFor(reasons[draft.decision], session.hasFaceMatch)[index];
    if (!reason) return false;
    setDraft({ ...draft, reason: reason.code });
    say(`Reason: ${reason.label}`);
  };

  const digits = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [String(i + 1), () => pickReason(i)] as const));

  useShortcuts(
    {
      a: () => choose('Approved'),
      d: () => choose('Declined'),
      r: () => choose('Resubmitted'),
      ...digits,
      n: () => noteRef.current?.focus(),
      c: () => (onClaimNext ? onClaimNext() : false),
      v: () => (onToggleReveal ? onToggleReveal() : false),
      Enter: (event) => {
        if (isInteractiveTarget(event.target) || !draft.decision || !draft.reason) return false;
        formRef.current?.requestSubmit();
      },
      Escape: () => (draft.decision ? setDraft({ ...draft, decision: null, reason: '' }) : false),
      '?': () => onShowShortcuts(),
    },
    enabled,
  );

  return { fieldRef, formRef, noteRef };
}
