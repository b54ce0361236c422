import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { roleSchema, type ApiTokenView, type RoleName } from '../../../server/contract/auth.ts';
import { createToken, listTokens, revokeToken } from '../api/auth.ts';
import { ApiError } from '../api/client.ts';
import styles from '../components/audit/Audit.module.css';
import { useCan } from '../components/auth/me.ts';
import { EmptyState } from '../components/layout/EmptyState.tsx';
import { PageHeader } from '../components/layout/PageHeader.tsx';

const date = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const when = (iso: string | null, none: string) => (iso ? date.format(new Date(iso)) : none);

/** API tokens for automation: list, create (shown once), revoke. Admins only; the server enforces it. */
export function Component() {
  const allowed = useCan('token.manage');
  const [tokens, setTokens] = useState<ApiTokenView[] | undefined>();
  const [showRevoked, setShowRevoked] = useState(false);
  const [created, setCreated] = useState<{ name: string; token: string } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [form, setForm] = useState<{ name: string; role: RoleName; expiresInDays: string }>({
    name: '',
    role: 'viewer',
    expiresInDays: '30',
  });

  const reload = useCallback(
    (signal?: AbortSignal) =>
      listTokens(showRevoked, signal).then(
        (result) => setTokens(result.tokens),
        (failure: unknown) => {
          if (!signal?.aborted) setError(failure instanceof Error ? failure.message : 'Tokens could not be loaded.');
        },
      ),
    [showRevoked],
  );

  useEffect(() => {
    if (!allowed) return;
    const controller = new AbortController();
    void reload(controller.signal);
    return () => controller.abort();
  }, [allowed, reload]);

  if (!allowed) {
    return (
      <>
        <PageHeader title="API tokens" />
        <EmptyState title="Not available to your role">
          <p>Managing API tokens needs the admin role.</p>
        </EmptyState>
      </>
    );
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      const days = form.expiresInDays ? Number(form.expiresInDays) : undefined;
      const result = await createToken({ name: form.name.trim(), role: form.role, ...(days ? { expiresInDays: days } : {}) });
      setCreated({ name: result.record.name, token: result.token });
      setForm((current) => ({ ...current, name: '' }));
      await reload();
    } catch (failure) {
      setError(failure instanceof ApiError || failure instanceof Error ? failure.message : 'The token could not be created.');
    }
  };

  const revoke = async (token: ApiTokenView) => {
    if (!window.confirm(`Revoke "${token.name}"? Anything using it stops working at once.`)) return;
    try {
      await revokeToken(token.id);
      await reload();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : 'The token could not be revoked.');
    }
  };

  return (
    <>
      <PageHeader title="API tokens" />
      {created ? (
        <section className={styles.secret} aria-labelledby="new-token-title">
          <h2 id="new-token-title">Token “{created.name}” created</h2>
          <p>Copy it now: it is shown only once and cannot be recovered.</p>
          <code data-testid="new-token">{created.token}</code>
          <button type="button" className={styles.secondary} onClick={() => setCreated(undefined)}>
            I have stored it
          </button>
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
              {tokens.map((token) => (
                <tr key={token.id}>
                  <td>{token.name}</td>
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
                      <button type="button" className={styles.secondary} onClick={() => void revoke(token)}>
                        Revoke <span className={styles.visuallyHidden}>{token.name}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
