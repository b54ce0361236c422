import { useEffect, useRef, useState, type FormEvent } from 'react';
import { roleSchema, type ApiTokenView, type RoleName } from '../../../../server/contract/auth.ts';
import { useTokenMutations, useTokens } from '../../api/queries.ts';
import styles from '../audit/Audit.module.css';
import { ConfirmDialog } from '../common/ConfirmDialog.tsx';
import { CopyButton } from '../common/CopyButton.tsx';
import { EmptyState } from '../layout/EmptyState.tsx';
import type { TokensApi } from './tokens-api.ts';
import tokenStyles from './Tokens.module.css';
import { formatDateTime } from '../../format/date.ts';

const when = (iso: string | null, none: string) => (iso ? formatDateTime(iso) : none);
const messageOf = (failure: unknown, otherwise: string) => (failure instanceof Error ? failure.message : otherwise);

/**
 * API tokens for automation: list, create (the token is shown once, with a copy button), revoke
 * (after an in-app confirmation). `highlightId` marks one row, e.g. a token linked from the audit
 * trail. Admins only; the server enforces it.
 */
export function TokensView({ api, highlightId }: { api: TokensApi; highlightId?: string | undefined }) {
  const [showRevoked, setShowRevoked] = useState(false);
  const list = useTokens(api, showRevoked);
  const tokens = list.data;
  const mutations = useTokenMutations(api);
  const [created, setCreated] = useState<{ name: string; token: string } | undefined>();
  const [revoking, setRevoking] = useState<ApiTokenView | undefined>();
  const [notice, setNotice] = useState<{ text: string } | undefined>();
  const [writeError, setWriteError] = useState<string | undefined>();
  const error = writeError ?? (list.error ? messageOf(list.error, 'Tokens could not be loaded.') : undefined);
  const [form, setForm] = useState<{ name: string; role: RoleName; expiresInDays: string }>({
    name: '',
    role: 'viewer',
    expiresInDays: '30',
  });
  const createdHeading = useRef<HTMLHeadingElement>(null);
  const secret = useRef<HTMLElement>(null);
  const noticeRef = useRef<HTMLParagraphElement>(null);
  const highlightedRow = useRef<HTMLTableRowElement>(null);
  const lookedForRevoked = useRef(false);

  // A linked token that is no longer live is among the revoked ones: show those once to find it.
  const highlightListed = tokens?.some((token) => token.id === highlightId) ?? false;
  useEffect(() => {
    if (!highlightId || !tokens || highlightListed || showRevoked || lookedForRevoked.current) return;
    lookedForRevoked.current = true;
    setShowRevoked(true);
  }, [highlightId, tokens, highlightListed, showRevoked]);

  useEffect(() => {
    if (highlightListed) highlightedRow.current?.scrollIntoView?.({ block: 'center' });
  }, [highlightListed]);

  useEffect(() => {
    if (created) createdHeading.current?.focus();
  }, [created]);

  // After a revoke the row's button is gone: focus lands on the message saying what happened.
  useEffect(() => {
    if (notice) noticeRef.current?.focus();
  }, [notice]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setWriteError(undefined);
    setNotice(undefined);
    try {
      const days = form.expiresInDays ? Number(form.expiresInDays) : undefined;
      // Resolves once the lists have been read again (with the new token in them).
      const result = await mutations.create.mutateAsync({
        name: form.name.trim(),
        role: form.role,
        ...(days ? { expiresInDays: days } : {}),
      });
      setCreated({ name: result.record.name, token: result.token });
      setForm((current) => ({ ...current, name: '' }));
    } catch (failure) {
      setWriteError(messageOf(failure, 'The token could not be created.'));
    }
  };

  const revoke = async (token: ApiTokenView) => {
    // Errors propagate: the dialog stays open and shows them.
    await mutations.revoke.mutateAsync(token);
    setRevoking(undefined);
    setNotice({ text: `Token “${token.name}” revoked: anything using it is refused from its next request.` });
  };

  const selectSecret = () => {
    const element = secret.current;
    const selection = window.getSelection();
    if (!element || !selection) return;
    selection.selectAllChildren(element);
  };

  return (
    <>
      {created ? (
        <section className={styles.secret} aria-labelledby="new-token-title">
          <h2 id="new-token-title" ref={createdHeading} tabIndex={-1} className={tokenStyles.secretTitle}>
            Token “{created.name}” created
          </h2>
          <p>Copy it now: it is shown only once and cannot be recovered.</p>
          <code ref={secret} data-testid="new-token">
            {created.token}
          </code>
          <div className={tokenStyles.secretActions}>
            <CopyButton
              text={created.token}
              label="Copy token"
              onUnavailable={selectSecret}
              fallbackMessage="The clipboard is not available here: the token is selected, copy it with Ctrl+C (⌘C on a Mac)."
            />
            <button type="button" className={`${styles.button} ${styles.secondary}`} onClick={() => setCreated(undefined)}>
              I have stored it
            </button>
          </div>
        </section>
      ) : null}
      <form className={styles.form} onSubmit={(event) => void submit(event)} aria-label="Create a token">
        <label>
          Name
          <input
            required
            maxLength={80}
            pattern="[A-Za-z0-9][A-Za-z0-9 ._\-]*"
            value={form.name}
            onChange={(event) => setForm({ ...form, name: event.target.value })}
          />
        </label>
        <label>
          Role
          <select value={form.role} onChange={(event) => setForm({ ...form, role: roleSchema.parse(event.target.value) })}>
            {roleSchema.options.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
        </label>
        <label>
          Expires in (days, empty for never)
          <input
            type="number"
            min={1}
            max={3650}
            value={form.expiresInDays}
            onChange={(event) => setForm({ ...form, expiresInDays: event.target.value })}
          />
        </label>
        <button type="submit">Create token</button>
      </form>
      {error ? (
        <p role="alert" className={styles.error}>
          {error}
        </p>
      ) : null}
      {notice ? (
        <p ref={noticeRef} tabIndex={-1} role="status" className={tokenStyles.notice}>
          {notice.text}
        </p>
      ) : null}
      <label className={styles.footer}>
        <input type="checkbox" checked={showRevoked} onChange={(event) => setShowRevoked(event.target.checked)} /> Show revoked
        tokens
      </label>
      {!tokens ? (
        <p aria-live="polite">Loading…</p>
      ) : tokens.length === 0 ? (
        <EmptyState title="No API tokens">
          <p>Create one above, or with `npm run cli -- token create --role viewer --name my-script`.</p>
        </EmptyState>
      ) : (
        <div className={styles.tableWrap}>
          <table className={styles.table}>
            <caption className={styles.visuallyHidden}>API tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Token</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((token) => {
                const highlighted = token.id === highlightId;
                return (
                  <tr
                    key={token.id}
                    ref={highlighted ? highlightedRow : undefined}
                    className={highlighted ? tokenStyles.highlighted : undefined}
                    aria-current={highlighted ? 'true' : undefined}
                  >
                    <td>
                      {token.name}
                      {highlighted ? (
                        <>
                          {' '}
                          <span className={tokenStyles.linkedTag}>linked</span>
                        </>
                      ) : null}
                    </td>
                    <td>{token.role}</td>
                    <td className={styles.mono}>{token.prefix}…</td>
                    <td>
                      {when(token.createdAt, '')} by {token.createdBy}
                    </td>
                    <td>{when(token.expiresAt, 'never')}</td>
                    <td>{when(token.lastUsedAt, 'never')}</td>
                    <td>
                      {token.revokedAt ? (
                        `revoked ${when(token.revokedAt, '')}`
                      ) : (
                        <button type="button" className={tokenStyles.rowAction} onClick={() => setRevoking(token)}>
                          Revoke <span className={styles.visuallyHidden}>{token.name}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {highlightId && tokens && !highlightListed && showRevoked ? (
        <p className={tokenStyles.muted}>The token linked from the audit trail is not in this list any more.</p>
      ) : null}
      {revoking ? (
        <ConfirmDialog
          title={`Revoke token “${revoking.name}”?`}
          confirmLabel="Revoke token"
          tone="danger"
          onConfirm={() => revoke(revoking)}
          onCancel={() => setRevoking(undefined)}
        >
          <p>
            Anything using “{revoking.name}” ({revoking.role}, <span className={styles.mono}>{revoking.prefix}…</span>) is refused
            from its next request.
          </p>
          <p>This cannot be undone: to restore access, create a new token.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
