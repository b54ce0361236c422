import { cleanup, render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowTable } from '../workflows/WorkflowTable.tsx';
import { DiditVersionNote } from './DiditVersionNote.tsx';
import { thresholds, thresholdVersion, workflowDetail } from './fixtures.ts';
import { VersionHistory } from './VersionHistory.tsx';

afterEach(cleanup);

const cellUnder = (table: HTMLElement, row: HTMLElement, header: string) => {
  const headers = within(table).getAllByRole('columnheader');
  const index = headers.findIndex((th) => th.textContent === header);
  const cell = within(row).getAllByRole('cell')[index];
  if (!cell) throw new Error(`no cell under ${header}`);
  return cell;
};

describe('Didit workflow versions', () => {
  it('lists the published Didit version of each workflow, with a badge for a draft', () => {
    render(
      <MemoryRouter>
        <WorkflowTable
          workflows={[
            workflowDetail(),
            workflowDetail({ id: 'aaaaaaaa-bbbb-cccc-dddd-000000000002', label: 'Onboarding', diditDraftVersion: 3 }),
            workflowDetail({ id: 'aaaaaaaa-bbbb-cccc-dddd-000000000003', label: 'New', diditVersion: null }),
          ]}
        />
      </MemoryRouter>,
    );
    const table = screen.getByRole('table', { name: 'Workflows' });
    const [returning, onboarding, fresh] = ['Returning users', 'Onboarding', 'New'].map((name) =>
      within(table).getByRole('row', { name: new RegExp(`^${name}`) }),
    );
    expect(cellUnder(table, returning!, 'Didit version').textContent).toBe('v2');
    expect(cellUnder(table, onboarding!, 'Didit version').textContent).toBe('v2 draft v3');
    expect(cellUnder(table, fresh!, 'Didit version').textContent).toBe('—');
    expect(within(returning!).getByText('70/50 · 80/60')).toBeTruthy();
  });

  it('says which Didit version new sessions and pushes use, and that a draft is not in force', () => {
    const { rerender } = render(<DiditVersionNote workflow={workflowDetail()} />);
    expect(screen.getByText('Didit: published v2 — new sessions and approved thresholds apply to this version.')).toBeTruthy();
    expect(screen.queryByText(/draft/)).toBeNull();
    rerender(<DiditVersionNote workflow={workflowDetail({ diditDraftVersion: 3 })} />);
    expect(screen.getByText("A draft v3 exists in Didit's console; it is not in force until published there.")).toBeTruthy();
  });

  it('says which Didit version an applied threshold version reached, with whole-number thresholds', () => {
    render(
      <VersionHistory
        workflow={workflowDetail({
          versions: [
            thresholdVersion({
              id: 2,
              version: 2,
              state: 'proposed',
              diditVersion: null,
              appliedAt: null,
              thresholds: { ...thresholds, faceMatchReview: 85 },
            }),
            thresholdVersion(),
          ],
        })}
        me={null}
        canApprove={false}
        canPropose={false}
        onChange={() => undefined}
      />,
    );
    const applied = screen.getByTestId('version-1');
    expect(within(applied).getByText('applied to Didit v2')).toBeTruthy();
    expect(within(screen.getByTestId('version-2')).queryByText(/applied to Didit/)).toBeNull();
    expect(within(screen.getByTestId('version-2')).getByText('(was 80)', { exact: false })).toBeTruthy();
  });
});
