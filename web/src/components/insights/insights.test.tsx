import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnalystFigures } from '../../../../server/contract/insights.ts';
import { AnalystTable } from './AnalystTable.tsx';
import { filtersFromSearch, searchFromFilters } from './insights-url.ts';
import { niceTicks } from './LineChart.tsx';

afterEach(cleanup);

function analyst(label: string, overrides: Partial<AnalystFigures> = {}): AnalystFigures {
  return {
    actorId: label,
    label,
    decisions: 10,
    approved: 6,
    declined: 4,
    perDay: 1,
    medianHandlingMinutes: 5,
    overrides: 0,
    decidedAgain: 0,
    laterAttack: 0,
    ...overrides,
  };
}

describe('analyst table', () => {
  const rows = () => screen.getAllByTestId('analyst-row').map((row) => within(row).getByRole('rowheader').textContent);

  it('lists the busiest analyst first and sorts by any column, announcing the order', () => {
    render(
      <AnalystTable
        analysts={[
          analyst('bea@example.test', { decisions: 4, medianHandlingMinutes: 12, decidedAgain: 1, laterAttack: 1 }),
          analyst('al@example.test', { decisions: 9, medianHandlingMinutes: 3 }),
        ]}
      />,
    );
    expect(rows()).toEqual(['al@example.test', 'bea@example.test']);
    const handling = screen.getByRole('columnheader', { name: /Median handling/ });
    fireEvent.click(within(handling).getByRole('button'));
    expect(handling.getAttribute('aria-sort')).toBe('descending');
    expect(rows()).toEqual(['bea@example.test', 'al@example.test']);
    fireEvent.click(within(handling).getByRole('button'));
    expect(handling.getAttribute('aria-sort')).toBe('ascending');
    expect(rows()).toEqual(['al@example.test', 'bea@example.test']);
    // Contradictions are shown with their two causes.
    expect(screen.getByText(/1 decided again, 1 later attack/)).toBeTruthy();
  });

  it('says so when nobody decided in the range', () => {
    render(<AnalystTable analysts={[]} />);
    expect(screen.getByText('No analyst recorded a decision in this range.')).toBeTruthy();
  });
});

describe('insights URL and axes', () => {
  it('keeps only well-formed days and the workflow, in a fixed order', () => {
    const filters = filtersFromSearch(new URLSearchParams('workflow=w1&to=2026-11-30&from=last-week'));
    expect(filters).toEqual({ from: '', to: '2026-11-30', workflow: 'w1' });
    expect(searchFromFilters(filters).toString()).toBe('to=2026-11-30&workflow=w1');
  });

  it('puts ticks on round numbers, and on whole minutes, hours or days for durations', () => {
    expect(niceTicks(37)).toEqual([0, 10, 20, 30, 40]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(250, 4, true)).toEqual([0, 120, 240, 360]);
    expect(niceTicks(50, 4, true)).toEqual([0, 15, 30, 45, 60]);
  });
});
