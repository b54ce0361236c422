import { useCallback, useRef, useState } from 'react';
import type { RevealRequest, SessionDetail } from '../../../../server/contract/review.ts';
import { ApiError, errorMessage } from '../../api/review.ts';
import { useReviewApi } from '../../hooks/use-review-api.tsx';

export interface RevealState {
  /** The faces are shown unblurred. */
  revealed: boolean;
  /** A reveal is on its way to the server. */
  pending: boolean;
  /** Why the last reveal failed (the faces stay blurred). */
  error: string | null;
  /** The purpose-of-access dialog is open. */
  asking: boolean;
  /** `v` and the button: blur again when revealed; otherwise reveal (asking why first when the session is not yours). */
  toggle: () => void;
  /** The dialog's answer: reveals with it. Rejects (the dialog stays open and shows why) when the server refuses. */
  reveal: (body: RevealRequest) => Promise<void>;
  cancel: () => void;
}

/**
 * Blur until reveal (issue 19): the session page shows faces blurred; revealing them is a request
 * the server records as the look at the evidence, and the faces unblur only once it succeeded. A
 * session that is not yours (not claimed by you) asks for a purpose of access first; the purpose
 * given is kept for this page, so blurring and revealing again does not ask twice (the server
 * counts the same purpose within its window as one look).
 */
export function useReveal(session: SessionDetail): RevealState {
  const api = useReviewApi();
  const [revealed, setRevealed] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const purposeGiven = useRef<RevealRequest | null>(null);
  const inFlight = useRef(false);
  const { id, reveal: policy } = session;

  const send = useCallback(
    async (body: RevealRequest) => {
      inFlight.current = true;
      setPending(true);
      setError(null);
      try {
        await api.reveal(id, body);
        setRevealed(true);
      } finally {
        inFlight.current = false;
        setPending(false);
      }
    },
    [api, id],
  );

  const toggle = useCallback(() => {
    if (inFlight.current || asking) return;
    if (revealed) {
      setRevealed(false);
      return;
    }
    if (!policy.allowed) return;
    const body = purposeGiven.current ?? (policy.purposeRequired ? null : {});
    if (body === null) {
      setError(null);
      setAsking(true);
      return;
    }
    send(body).catch((cause: unknown) => {
      // The session stopped being yours meanwhile (the claim lapsed): ask why, as for any other.
      if (cause instanceof ApiError && cause.code === 'purpose_required') {
        purposeGiven.current = null;
        setAsking(true);
        return;
      }
      setError(`The faces stay blurred: ${errorMessage(cause)}`);
    });
  }, [asking, revealed, policy.allowed, policy.purposeRequired, send]);

  const reveal = useCallback(
    async (body: RevealRequest) => {
      try {
        await send(body);
      } catch (cause) {
        throw new Error(`The faces stay blurred: ${errorMessage(cause)}`, { cause });
      }
      purposeGiven.current = body;
      setAsking(false);
    },
    [send],
  );

  const cancel = useCallback(() => setAsking(false), []);

  return { revealed, pending, error, asking, toggle, reveal, cancel };
}
