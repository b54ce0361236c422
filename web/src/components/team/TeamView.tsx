import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import type { TeamAvailability, TeamMember } from '../../../../server/contract/assignment.ts';
import { ApiError } from '../../api/client.ts';
import { errorMessage } from '../../api/review.ts';
import { formatDateTime } from '../../format/date.ts';
import { useNow } from '../../hooks/use-now.ts';
import { EmptyState } from '../layout/EmptyState.tsx';
import { formatAgo } from '../sync/sync-health.ts';
import styles from './Team.module.css';
import { getTeamAvailability, setTeamCap } from './team-api.ts';

export const teamKey = ['team', 'availability'] as const;

const roleLabels: Record<TeamMember['role'], string> = { analyst: 'Analyst', lead: 'Lead', admin: 'Admin' };

/** Available people first (they are the ones taking work now), then by label. */
export function sortTeam(members: readonly TeamMember[]): TeamMember[] {
  return [...members].sort((a, b) => Number(b.available) - Number(a.available) || a.label.localeCompare(b.label));
}

/** The server's message, with the fields a 400 names (the input's bounds are only a hint to the browser). */
function saveErrorText(error: unknown): string {
  const message = errorMessage(error);
  if (!(error instanceof ApiError) || typeof error.details !== 'object' || error.details === null) return message;
  const issues = (error.details as { issues?: unknown }).issues;
  if (!Array.isArray(issues)) return message;
  const texts = issues
    .map((issue: unknown) => (issue && typeof issue === 'object' && 'message' in issue ? String(issue.message) : ''))
    .filter(Boolean);
  return texts.length > 0 ? `${message} ${texts.join('; ')}` : message;
}

/**
 * Who takes assigned work (ADR 0020), for leads: availability, open assigned sessions and each
 * person's cap, which a lead changes per row (audited `analyst.cap_changed` by the server). The
 * worker assigns to the least-loaded available person under their cap, so a change here acts
 * within seconds. `now` is injectable for tests; it ticks every 30 s otherwise.
 */
export function TeamView({ now }: { now?: number }) {
  const ticking = useNow(30_000);
  const team = useQuery({ queryKey: teamKey, queryFn: ({ signal }) => getTeamAvailability(signal) });
  const data = team.data;
  return (
    <>
      <p className={styles.intro}>
        People who switch on <em>Available for assignment</em> are given new In Review sessions of auto-assign workflows, least
        loaded first, until they hold their cap of open assigned sessions. Switching off hands back the ones they have not
        claimed. Everyone without a cap of their own has the default{data ? ` (${data.defaultCap})` : ''}.
      </p>
      {team.error ? (
        <p role="alert" className={styles.error}>
          {errorMessage(team.error)}
        </p>
      ) : null}
      {data ? <TeamTable data={data} now={now ?? ticking} /> : team.error ? null : <p aria-live="polite">Loading…</p>}
    </>
  );
}

function TeamTable({ data, now }: { data: TeamAvailability; now: number }) {
  if (data.items.length === 0) {
    return (
      <EmptyState title="No one takes assigned work yet">
        <p>Analysts, leads and admins appear here once they have signed in.</p>
      </EmptyState>
    );
  }
  return (
    <div className={styles.tableWrap}>
      <table className={styles.table} aria-label="Team availability">
        <thead>
          <tr>
            <th scope="col">Person</th>
            <th scope="col">Role</th>
            <th scope="col">Available</th>
            <th scope="col" className={styles.numeric}>
              Open assigned
            </th>
            <th scope="col" className={styles.numeric}>
              Cap
            </th>
            <th scope="col">Change cap</th>
          </tr>
        </thead>
        <tbody>
          {sortTeam(data.items).map((member) => (
            <TeamRow key={member.userId} member={member} defaultCap={data.defaultCap} now={now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TeamRow({ member, defaultCap, now }: { member: TeamMember; defaultCap: number; now: number }) {
  const queryClient = useQueryClient();
  const errorId = useId();
  const [draft, setDraft] = useState(member.customCap ? String(member.cap) : '');
  const save = useMutation({
    mutationFn: (maxAssigned: number | null) => setTeamCap(member.userId, maxAssigned),
    onSuccess: (answer) => {
      queryClient.setQueryData<TeamAvailability>(teamKey, (current) =>
        current ? { ...current, items: current.items.map((item) => (item.userId === answer.userId ? answer : item)) } : current,
      );
      setDraft(answer.customCap ? String(answer.cap) : '');
      // The assigner runs after a cap change: loads may move within seconds.
      void queryClient.invalidateQueries({ queryKey: teamKey });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (draft.trim() === '') return;
    save.mutate(Number(draft));
  };
  const unchanged = draft.trim() === '' || (member.customCap && Number(draft) === member.cap);
  const overCap = member.assigned > member.cap;
  return (
    <tr data-available={member.available ? 'yes' : 'no'}>
      <th scope="row" className={styles.person}>
        {member.label}
      </th>
      <td>{roleLabels[member.role]}</td>
      <td className={styles.nowrap}>
        <span className={member.available ? styles.yes : styles.no}>{member.available ? 'yes' : 'no'}</span>
        {member.changedAt ? (
          <>
            {' '}
            <span className={styles.muted}>
              since{' '}
              <time dateTime={member.changedAt} title={formatDateTime(member.changedAt)}>
                {formatAgo(member.changedAt, now)}
              </time>
            </span>
          </>
        ) : null}
      </td>
      <td className={styles.numeric}>
        {member.assigned}
        {overCap ? <span className={styles.overCap}> over cap</span> : null}
      </td>
      <td className={styles.numeric}>{member.customCap ? member.cap : `default (${defaultCap})`}</td>
      <td>
        {/* The server's answer is the one check, shown in the row (min/max are hints for the spinner). */}
        <form className={styles.capForm} onSubmit={submit} noValidate>
          <input
            type="number"
            min={0}
            max={1000}
            step={1}
            inputMode="numeric"
            aria-label={`Cap for ${member.label}`}
            aria-describedby={save.error ? errorId : undefined}
            aria-invalid={save.error ? true : undefined}
            placeholder={String(defaultCap)}
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            className={styles.capInput}
          />
          <button type="submit" disabled={save.isPending || unchanged}>
            {save.isPending && save.variables !== null ? 'Saving…' : 'Save'}
          </button>
          {member.customCap ? (
            <button type="button" className={styles.secondary} disabled={save.isPending} onClick={() => save.mutate(null)}>
              Use default
            </button>
          ) : null}
          {save.error ? (
            <span id={errorId} role="alert" className={styles.error}>
              {saveErrorText(save.error)}
            </span>
          ) : null}
        </form>
      </td>
    </tr>
  );
}
