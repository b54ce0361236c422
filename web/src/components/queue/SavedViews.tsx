import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { QueueQuery } from '../../../../server/contract/review.ts';
import { SAVED_VIEW_NAME_MAX, type SavedView, type SavedViewList } from '../../../../server/contract/saved-views.ts';
import { ApiError } from '../../api/client.ts';
import { useCapability } from '../../hooks/use-capability.ts';
import { useSavedViewsApi } from '../../hooks/use-saved-views-api.tsx';
import { ConfirmDialog } from '../common/ConfirmDialog.tsx';
import { Modal, ModalActions } from '../common/Modal.tsx';
import modalStyles from '../common/Modal.module.css';
import { currentViewFilters, viewKey, viewQuery } from './saved-view-url.ts';
import styles from './SavedViews.module.css';

export const savedViewsQueryKey = ['queue', 'saved-views'] as const;

export interface SavedViewsProps {
  /** The queue on screen (its filters are what "Save view…" saves). */
  query: QueueQuery;
  /** Puts a view's filters in the URL. */
  onApply: (query: QueueQuery) => void;
}

type Dialog = { kind: 'save' } | { kind: 'rename'; view: SavedView } | { kind: 'delete'; view: SavedView };

function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'view_name_taken') return 'You already have a view with this name; choose another.';
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * The queue's saved views (issue 20): a "Views" button opening the list (own views, then the
 * team's, each applied with one click or Enter), "Save view…" for the current filters, rename and
 * delete of one's own, and for leads a "Share with team" switch. Keys typed inside it stay out of
 * the queue's single-key shortcuts; Esc closes it and gives focus back to its button.
 */
export function SavedViews({ query, onApply }: SavedViewsProps) {
  const api = useSavedViewsApi();
  const client = useQueryClient();
  const canSave = useCapability('queue.views.save');
  const panelId = useId();
  const mineId = useId();
  const teamId = useId();
  const [open, setOpen] = useState(false);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [actionError, setActionError] = useState<string | null>(null);
  // The share switch being changed, and where it goes: shown until the server answers, whatever a refetch says meanwhile.
  const [sharing, setSharing] = useState<{ id: number; shared: boolean } | null>(null);
  const wrapperRef = useRef<HTMLDivElement>(null);
  const toggleRef = useRef<HTMLButtonElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);

  const views = useQuery({ queryKey: savedViewsQueryKey, queryFn: ({ signal }) => api.list(signal) });
  const list = useMemo(() => views.data?.views ?? [], [views.data]);
  const mine = list.filter((view) => view.mine);
  const team = list.filter((view) => !view.mine);

  const currentKey = viewKey(query);
  const active = useMemo(
    () => list.find((view) => viewKey(viewQuery(view.filters, query)) === currentKey),
    [list, query, currentKey],
  );

  // A click elsewhere on the page closes the list (not while one of its dialogs is open).
  useEffect(() => {
    if (!open || dialog) return;
    const onPointerDown = (event: MouseEvent) => {
      if (event.target instanceof Node && !wrapperRef.current?.contains(event.target)) setOpen(false);
    };
    document.addEventListener('mousedown', onPointerDown);
    return () => document.removeEventListener('mousedown', onPointerDown);
  }, [open, dialog]);

  // Opening the list (once it has loaded) puts focus on its first entry, so Tab and Enter work from there.
  const loaded = views.status !== 'pending';
  useEffect(() => {
    const panel = panelRef.current;
    if (!open || !loaded || !panel || panel.contains(document.activeElement)) return;
    panel.querySelector<HTMLElement>('button, input')?.focus();
  }, [open, loaded]);

  const replaceInList = (change: (views: SavedView[]) => SavedView[]) =>
    client.setQueryData<SavedViewList>(savedViewsQueryKey, (previous) =>
      previous ? { ...previous, views: change(previous.views) } : previous,
    );
  const refresh = () => void client.invalidateQueries({ queryKey: savedViewsQueryKey });

  const apply = (view: SavedView) => {
    onApply(viewQuery(view.filters, query));
    setAnnouncement(`Showing the view “${view.name}”.`);
    setOpen(false);
    toggleRef.current?.focus();
  };

  const toggleShared = async (view: SavedView, shared: boolean) => {
    // One change at a time (the switch stays focusable meanwhile, rather than disabled under the keyboard).
    if (sharing !== null) return;
    // The switch moves at once; a refusal puts it back (and says why).
    setSharing({ id: view.id, shared });
    setActionError(null);
    try {
      const updated = await api.setShared(view.id, shared);
      replaceInList((all) =>
        updated.mine || updated.shared ? all.map((v) => (v.id === view.id ? updated : v)) : all.filter((v) => v.id !== view.id),
      );
      setAnnouncement(shared ? `“${view.name}” is shared with the team.` : `“${view.name}” is no longer shared.`);
    } catch (error) {
      setActionError(messageOf(error));
    } finally {
      setSharing(null);
      refresh();
    }
  };

  // Keys pressed in the list or its dialogs are theirs, not the queue's shortcuts (Esc excepted: the dialogs close on it).
  const keepKeys = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && open && !dialog) {
      event.stopPropagation();
      setOpen(false);
      toggleRef.current?.focus();
      return;
    }
    if (event.key !== 'Escape') event.stopPropagation();
  };

  const row = (view: SavedView) => {
    const current = active?.id === view.id;
    return (
      <li key={view.id} className={styles.item}>
        <button
          type="button"
          className={`${styles.apply} ${current ? styles.current : ''}`}
          aria-current={current ? 'true' : undefined}
          onClick={() => apply(view)}
        >
          {view.name}
        </button>
        <div className={styles.meta}>
          {view.shared ? (
            <span className={styles.sharedBy}>
              {view.mine ? 'Shared with the team' : `Shared by ${view.sharedBy ?? view.owner}`}
            </span>
          ) : null}
          {view.allowed.edit ? (
            <button
              type="button"
              className={styles.linkButton}
              aria-label={`Rename ${view.name}`}
              onClick={() => setDialog({ kind: 'rename', view })}
            >
              Rename
            </button>
          ) : null}
          {view.allowed.delete ? (
            <button
              type="button"
              className={styles.linkButton}
              aria-label={`Delete ${view.name}`}
              onClick={() => setDialog({ kind: 'delete', view })}
            >
              Delete
            </button>
          ) : null}
          {view.allowed.share ? (
            <label className={styles.share}>
              <input
                type="checkbox"
                role="switch"
                checked={sharing?.id === view.id ? sharing.shared : view.shared}
                aria-busy={sharing?.id === view.id || undefined}
                aria-label={`Share ${view.name} with the team`}
                onChange={(event) => void toggleShared(view, event.target.checked)}
              />
              Share with team
            </label>
          ) : null}
        </div>
      </li>
    );
  };

  return (
    <div ref={wrapperRef} className={styles.wrapper} onKeyDown={keepKeys}>
      <button
        ref={toggleRef}
        type="button"
        className={styles.toggle}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((value) => !value)}
      >
        {active ? (
          <>
            View: <span className={styles.activeName}>{active.name}</span>
          </>
        ) : (
          'Views'
        )}
        <span aria-hidden="true"> ▾</span>
      </button>
      {canSave ? (
        <button type="button" className={styles.toggle} aria-haspopup="dialog" onClick={() => setDialog({ kind: 'save' })}>
          Save view…
        </button>
      ) : null}
      <p className={styles.announcer} role="status">
        {announcement}
      </p>
      {open ? (
        <div ref={panelRef} id={panelId} className={styles.panel} role="region" aria-label="Saved views">
          {views.status === 'pending' ? (
            <p className={styles.muted}>Loading views…</p>
          ) : views.status === 'error' ? (
            <p role="alert" className={styles.error}>
              The views could not be loaded: {messageOf(views.error)}
            </p>
          ) : (
            <>
              <h2 id={mineId} className={styles.groupTitle}>
                My views
              </h2>
              {mine.length === 0 ? (
                <p className={styles.muted}>
                  {canSave ? 'None yet: filter the queue, then “Save view…”.' : 'Your role keeps no views of its own.'}
                </p>
              ) : (
                <ul className={styles.list} aria-labelledby={mineId}>
                  {mine.map(row)}
                </ul>
              )}
              <h2 id={teamId} className={styles.groupTitle}>
                Shared with the team
              </h2>
              {team.length === 0 ? (
                <p className={styles.muted}>No shared views yet; leads share theirs.</p>
              ) : (
                <ul className={styles.list} aria-labelledby={teamId}>
                  {team.map(row)}
                </ul>
              )}
            </>
          )}
          {actionError ? (
            <p role="alert" className={styles.error}>
              {actionError}
            </p>
          ) : null}
        </div>
      ) : null}
      {dialog?.kind === 'save' || dialog?.kind === 'rename' ? (
        <NameDialog
          title={dialog.kind === 'save' ? 'Save the current view' : `Rename “${dialog.view.name}”`}
          description={
            dialog.kind === 'save'
              ? 'Saves the queue’s filters, sort and page size under a name only you see (leads can share it).'
              : undefined
          }
          initial={dialog.kind === 'rename' ? dialog.view.name : (active?.name ?? '')}
          confirmLabel={dialog.kind === 'save' ? 'Save view' : 'Rename'}
          onCancel={() => setDialog(null)}
          onConfirm={async (name) => {
            if (dialog.kind === 'save') {
              const created = await api.create({ name, filters: currentViewFilters(query) });
              replaceInList((all) => [...all, created]);
              setAnnouncement(`Saved the view “${created.name}”.`);
            } else {
              const updated = await api.update(dialog.view.id, { name });
              replaceInList((all) => all.map((v) => (v.id === updated.id ? updated : v)));
              setAnnouncement(`Renamed to “${updated.name}”.`);
            }
            setDialog(null);
            refresh();
          }}
        />
      ) : null}
      {dialog?.kind === 'delete' ? (
        <ConfirmDialog
          title={`Delete the view “${dialog.view.name}”?`}
          confirmLabel="Delete view"
          tone="danger"
          onCancel={() => setDialog(null)}
          onConfirm={async () => {
            const { view } = dialog;
            try {
              await api.remove(view.id);
            } catch (error) {
              throw new Error(messageOf(error), { cause: error });
            }
            replaceInList((all) => all.filter((v) => v.id !== view.id));
            setAnnouncement(`Deleted the view “${view.name}”.`);
            setDialog(null);
            refresh();
            toggleRef.current?.focus();
          }}
        >
          <p>
            {dialog.view.mine
              ? 'The queue’s filters stay as they are; only the saved name goes.'
              : `It was shared by ${dialog.view.sharedBy ?? dialog.view.owner}; it goes for the whole team.`}
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

interface NameDialogProps {
  title: string;
  description?: string;
  initial: string;
  confirmLabel: string;
  onConfirm: (name: string) => Promise<void>;
  onCancel: () => void;
}

/** Asks for a view's name (1 to 80 characters); the server's refusal (a name in use) shows in the dialog. */
function NameDialog({ title, description, initial, confirmLabel, onConfirm, onCancel }: NameDialogProps) {
  const inputId = useId();
  const hintId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [name, setName] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const trimmed = name.trim();
  const problem = trimmed === '' ? 'Give the view a name.' : null;

  useEffect(() => inputRef.current?.select(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || problem) return;
    setBusy(true);
    setError(null);
    try {
      await onConfirm(trimmed);
    } catch (failure) {
      setError(messageOf(failure));
      setBusy(false);
    }
  };

  return (
    <Modal title={title} description={description} initialFocus={inputRef} busy={busy} onCancel={onCancel}>
      <form onSubmit={(event) => void submit(event)}>
        <label htmlFor={inputId} className={modalStyles.label}>
          Name
        </label>
        <input
          ref={inputRef}
          id={inputId}
          className={styles.nameField}
          value={name}
          maxLength={SAVED_VIEW_NAME_MAX}
          autoComplete="off"
          aria-describedby={hintId}
          aria-invalid={error ? true : undefined}
          onChange={(event) => setName(event.target.value)}
        />
        <p id={hintId} className={modalStyles.hint}>
          {problem ?? `Up to ${SAVED_VIEW_NAME_MAX} characters.`}
        </p>
        <ModalActions error={error} busy={busy} onCancel={onCancel}>
          <button
            type="submit"
            className={`${modalStyles.button} ${modalStyles.primary}`}
            disabled={busy || problem !== null}
            aria-busy={busy || undefined}
          >
            {busy ? 'Saving…' : confirmLabel}
          </button>
        </ModalActions>
      </form>
    </Modal>
  );
}
