import { cleanup, render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimulationDto } from '../../../../server/contract/thresholds.ts';
import { simulation, thresholds } from './fixtures.ts';
import { SimulationView } from './SimulationView.tsx';

afterEach(cleanup);

function renderView(overrides: Partial<SimulationDto>) {
  render(
    <MemoryRouter>
      <SimulationView simulation={{ ...simulation({ ...thresholds, livenessReview: 60, livenessDecline: 40 }), ...overrides }} />
    </MemoryRouter>,
  );
}

describe('simulation view', () => {
  it('splits the analysts’ approvals out of the matrix cells and says what the proposal does with them', () => {
    renderView({
      matrix: {
        Approved: { Approved: 30, 'In Review': 0, Declined: 0 },
        'In Review': { Approved: 12, 'In Review': 5, Declined: 2 },
        Declined: { Approved: 0, 'In Review': 0, Declined: 4 },
      },
      analystApprovals: {
        Approved: { Approved: 0, 'In Review': 0, Declined: 0 },
        'In Review': { Approved: 9, 'In Review': 3, Declined: 1 },
        Declined: { Approved: 0, 'In Review': 0, Declined: 0 },
      },
    });
    expect(screen.getByTestId('analyst-approvals').textContent).toBe(
      "Approved by an analyst: 13 (in the console or Didit's). With these thresholds, 9 would be approved automatically, 3 would still go to review and 1 would be declined.",
    );
    const matrix = screen.getByRole('table', { name: 'Transition matrix' });
    const cells = (row: RegExp) =>
      within(within(matrix).getByRole('row', { name: row }))
        .getAllByRole('cell')
        .map((cell) => cell.textContent);
    expect(cells(/^In Review/)).toEqual(['129 approved by an analyst', '53 approved by an analyst', '21 approved by an analyst']);
    // Automatic approvals carry no note.
    expect(cells(/^Approved/)).toEqual(['30', '0', '0']);
  });

  it('says when no session was approved by an analyst', () => {
    renderView({});
    expect(screen.getByTestId('analyst-approvals').textContent).toBe(
      'No session in the window was approved by an analyst; every approval was automatic.',
    );
  });
});
