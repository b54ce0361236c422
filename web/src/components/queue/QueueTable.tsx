import {
  createColumnHelper,
  functionalUpdate,
  metaHelper,
  rowSortingFeature,
  tableFeatures,
  useTable,
  type SortingState,
  type Updater,
} from '@tanstack/react-table';
import { createContext, useContext, useMemo } from 'react';
import { Link } from 'react-router';
import { workIntent } from '../session/intent.ts';
import { effectiveDirection, type QueueItem, type QueueQuery, type QueueSort } from '../../../../server/contract/review.ts';
import { formatDateTime } from '../../format/date.ts';
import { formatScore } from './format.ts';
import { formatDuration, levelOfState, minutesInReview, slaLabels, slaStateLabels } from './sla.ts';
import { isDecidedView } from './queue-url.ts';
import { logTypeOfCode } from './warning-codes.ts';
import { WarningChip } from './WarningChip.tsx';
import { EscalationSummary } from '../escalation/EscalationSummary.tsx';
import { showsEscalations } from '../escalation/EscalatedViewTabs.tsx';
import styles from './QueueTable.module.css';

type ColumnMeta = { numeric?: boolean; label: string };

const features = tableFeatures({ rowSortingFeature, columnMeta: metaHelper<ColumnMeta>() });
const helper = createColumnHelper<typeof features, QueueItem>();

/** What cells need besides their row: the clock and where session links keep the queue filters. */
interface CellEnv {
  now: number;
  linkSearch: string;
}
const CellEnvContext = createContext<CellEnv>({ now: 0, linkSearch: '' });

export function sessionHref(id: string, linkSearch: string): string {
  return `/sessions/${encodeURIComponent(id)}${linkSearch ? `?${linkSearch}` : ''}`;
}

function AgeCell({ item }: { item: QueueItem }) {
  const { now } = useContext(CellEnvContext);
  const minutes = minutesInReview(item.inReviewSince, now);
  if (minutes === null) return <span className={styles.muted}>—</span>;
  const level = levelOfState(item.slaState, minutes, item.slaMinutes);
  const due = item.slaDueAt ? `; SLA due ${formatDateTime(item.slaDueAt)}` : '';
  // At risk and breached (ADR 0020) say so in words too, not in colour alone.
  const flagged = item.slaState === 'at_risk' || item.slaState === 'breached' ? item.slaState : null;
  return (
    <span
      className={`${styles.age} ${styles[`sla_${level}`]}`}
      title={`In review since ${formatDateTime(item.inReviewSince)}${due}`}
    >
      <span className={styles.slaDot} aria-hidden="true" />
      {formatDuration(minutes)}
      {flagged ? (
        <span className={styles.slaFlag} data-sla-flag={flagged}>
          {slaStateLabels[flagged]}
        </span>
      ) : null}
      <span className={styles.srOnly}>
        {flagged ? '' : `, ${item.slaState ? slaStateLabels[item.slaState] : slaLabels[level]}`} (
        {formatDuration(item.slaMinutes)} SLA)
      </span>
    </span>
  );
}

function VendorCell({ item }: { item: QueueItem }) {
  const { linkSearch } = useContext(CellEnvContext);
  const label = item.vendorData ?? (item.sessionNumber !== null ? `Session #${item.sessionNumber}` : item.id.slice(0, 8));
  return (
    <Link to={sessionHref(item.id, linkSearch)} state={workIntent} className={styles.sessionLink} data-session-link={item.id}>
      {label}
    </Link>
  );
}

function ClaimCell({ item }: { item: QueueItem }) {
  // Whose the session is to take, when assigned, is the "Assigned to" column's (ADR 0020).
  if (!item.claim) return <span className={styles.muted}>Not claimed</span>;
  return <span title={`Claimed ${formatDateTime(item.claim.claimedAt)}`}>{item.claim.label}</span>;
}

/** Whose the session is to take first (ADR 0020): assigned by the worker, not a claim. */
function AssignedCell({ item }: { item: QueueItem }) {
  if (!item.assignedTo) return <span className={styles.muted}>—</span>;
  return <span title={`Assigned ${formatDateTime(item.assignedTo.assignedAt)}`}>{item.assignedTo.label}</span>;
}

function EscalationCell({ item }: { item: QueueItem }) {
  const { now } = useContext(CellEnvContext);
  return <EscalationSummary escalation={item.escalation} now={now} />;
}

/** Resubmitted (issue 20): since when the user was asked to try again, and who asked. */
function ResubmissionCell({ item }: { item: QueueItem }) {
  if (!item.resubmission) return <span className={styles.muted}>Not from this console</span>;
  return (
    <span>
      since <time dateTime={item.resubmission.requestedAt}>{formatDateTime(item.resubmission.requestedAt)}</time> by{' '}
      {item.resubmission.requestedBy}
    </span>
  );
}

function DecidedCell({ item }: { item: QueueItem }) {
  if (!item.decidedAt) return <span className={styles.muted}>—</span>;
  return <time dateTime={item.decidedAt}>{formatDateTime(item.decidedAt)}</time>;
}

const columns = helper.columns([
  helper.accessor('inReviewSince', {
    id: 'age',
    header: 'Time in review',
    meta: { label: 'time in review' },
    cell: ({ row }) => <AgeCell item={row.original} />,
  }),
  helper.accessor((item) => item.decidedAt ?? null, {
    id: 'decided_at',
    header: 'Decided',
    enableSorting: false,
    meta: { label: 'decided at' },
    cell: ({ row }) => <DecidedCell item={row.original} />,
  }),
  helper.accessor('vendorData', {
    id: 'vendor',
    header: 'Vendor data',
    enableSorting: false,
    meta: { label: 'vendor data' },
    cell: ({ row }) => <VendorCell item={row.original} />,
  }),
  helper.accessor('workflowLabel', {
    id: 'workflow',
    header: 'Workflow',
    enableSorting: false,
    meta: { label: 'workflow' },
    cell: ({ row }) => row.original.workflowLabel ?? <span className={styles.muted}>{row.original.workflowId ?? '—'}</span>,
  }),
  helper.accessor('livenessScore', {
    id: 'liveness',
    header: 'Liveness',
    meta: { numeric: true, label: 'liveness score' },
    cell: ({ row }) => (
      <>
        <span className={styles.score}>{formatScore(row.original.livenessScore)}</span>
        {row.original.livenessMethod ? <span className={styles.method}>{row.original.livenessMethod}</span> : null}
      </>
    ),
  }),
  helper.accessor('faceMatchScore', {
    id: 'face_match',
    header: 'Face match',
    meta: { numeric: true, label: 'face-match score' },
    cell: ({ row }) =>
      row.original.hasFaceMatch ? (
        <span className={styles.score}>{formatScore(row.original.faceMatchScore)}</span>
      ) : (
        <span className={styles.muted}>liveness only</span>
      ),
  }),
  helper.accessor('warningCodes', {
    id: 'warnings',
    header: 'Warnings',
    enableSorting: false,
    meta: { label: 'warnings' },
    cell: ({ row }) =>
      row.original.warningCodes.length === 0 ? (
        <span className={styles.muted}>none</span>
      ) : (
        <span className={styles.chips}>
          {row.original.warningCodes.map((code) => (
            <WarningChip key={code} code={code} logType={logTypeOfCode(code)} />
          ))}
        </span>
      ),
  }),
  helper.accessor((item) => item.escalation?.at ?? null, {
    id: 'escalation',
    header: 'Escalated',
    enableSorting: false,
    meta: { label: 'escalated' },
    cell: ({ row }) => <EscalationCell item={row.original} />,
  }),
  helper.accessor((item) => item.resubmission?.requestedAt ?? null, {
    id: 'resubmission',
    header: 'Asked to try again',
    enableSorting: false,
    meta: { label: 'asked to try again' },
    cell: ({ row }) => <ResubmissionCell item={row.original} />,
  }),
  helper.accessor('claim', {
    id: 'assignee',
    header: 'Claimed by',
    enableSorting: false,
    meta: { label: 'assignee' },
    cell: ({ row }) => <ClaimCell item={row.original} />,
  }),
  helper.accessor((item) => item.assignedTo?.label ?? null, {
    id: 'assigned_to',
    header: 'Assigned to',
    enableSorting: false,
    meta: { label: 'assigned to' },
    cell: ({ row }) => <AssignedCell item={row.original} />,
  }),
]);

/** Views of sessions in review have no decision time to show. */
const undecidedColumns = columns.filter((column) => column.id !== 'decided_at');

const sortDescriptions: Record<QueueSort, [string, string]> = {
  age: ['oldest first', 'newest first'],
  liveness: ['lowest liveness score first', 'highest liveness score first'],
  face_match: ['lowest face-match score first', 'highest face-match score first'],
};

export function describeSort(query: QueueQuery): string {
  const [asc, desc] = sortDescriptions[query.sort];
  return effectiveDirection(query) === 'asc' ? asc : desc;
}

export interface QueueTableProps {
  items: QueueItem[];
  query: QueueQuery;
  now: number;
  /** Queue filters carried into session links (search string, no `?`). */
  linkSearch: string;
  selectedId: string | null;
  onSelect: (id: string) => void;
  onSortChange: (sort: QueueSort, dir: 'asc' | 'desc') => void;
}

/**
 * The queue as a controlled view of server-side state: sorting comes from (and goes to) the URL,
 * rows arrive sorted and paged by the server (`manualSorting`).
 */
export function QueueTable({ items, query, now, linkSearch, selectedId, onSelect, onSortChange }: QueueTableProps) {
  const dir = effectiveDirection(query);
  const sorting = useMemo<SortingState>(() => [{ id: query.sort, desc: dir === 'desc' }], [query.sort, dir]);
  const decided = isDecidedView(query);
  const escalations = showsEscalations(query);
  // The escalation column (issue 20) only in views that hold escalated sessions.
  const visibleColumns = useMemo(
    () =>
      (decided ? columns : undecidedColumns)
        .filter((column) => column.id !== 'escalation' || escalations)
        // Who asked the user to try again, only in the Resubmitted view (issue 20).
        .filter((column) => column.id !== 'resubmission' || query.status === 'Resubmitted'),
    [decided, escalations, query.status],
  );
  const table = useTable({
    features,
    columns: visibleColumns,
    data: items,
    getRowId: (row) => row.id,
    state: { sorting },
    onSortingChange: (updater: Updater<SortingState>) => {
      const first = functionalUpdate(updater, sorting)[0];
      if (first) onSortChange(first.id as QueueSort, first.desc ? 'desc' : 'asc');
    },
    manualSorting: true,
    enableMultiSort: false,
    enableSortingRemoval: false,
    sortDescFirst: false,
  });
  const env = useMemo(() => ({ now, linkSearch }), [now, linkSearch]);

  return (
    <CellEnvContext.Provider value={env}>
      <div className={styles.scroller}>
        <table className={styles.table}>
          <caption className={styles.srOnly}>Review queue, {describeSort(query)}</caption>
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => {
                  const column = header.column;
                  const meta = column.columnDef.meta;
                  const sorted = column.getIsSorted();
                  const canSort = column.getCanSort();
                  return (
                    <th
                      key={header.id}
                      scope="col"
                      className={meta?.numeric ? styles.numeric : undefined}
                      aria-sort={
                        canSort ? (sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none') : undefined
                      }
                    >
                      {canSort ? (
                        <button
                          type="button"
                          className={styles.sortButton}
                          onClick={column.getToggleSortingHandler()}
                          aria-label={`Sort by ${meta?.label ?? column.id}${sorted ? (sorted === 'asc' ? ', sorted ascending' : ', sorted descending') : ''}`}
                        >
                          <table.FlexRender header={header} />
                          <span className={styles.sortIcon} aria-hidden="true">
                            {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : '↕'}
                          </span>
                        </button>
                      ) : (
                        <table.FlexRender header={header} />
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {table.getRowModel().rows.map((row) => (
              <tr
                key={row.id}
                className={
                  [
                    row.id === selectedId ? styles.selected : '',
                    row.original.slaState === 'at_risk' ? styles.rowAtRisk : '',
                    row.original.slaState === 'breached' ? styles.rowBreached : '',
                  ]
                    .filter(Boolean)
                    .join(' ') || undefined
                }
                data-selected={row.id === selectedId ? 'true' : undefined}
                data-sla={row.original.slaState ?? undefined}
                onClick={() => onSelect(row.id)}
              >
                {row.getAllCells().map((cell) => (
                  <td key={cell.id} className={cell.column.columnDef.meta?.numeric ? styles.numeric : undefined}>
                    <table.FlexRender cell={cell} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </CellEnvContext.Provider>
  );
}
