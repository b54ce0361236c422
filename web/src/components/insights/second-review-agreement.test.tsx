import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InsightsResponse, SecondReviewInsights } from '../../../../server/contract/insights.ts';
import { InsightsView } from './InsightsView.tsx';
import { SecondReviewAgreement } from './SecondReviewAgreement.tsx';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const rate = (agreed: number, answered: number) => ({ answered, agreed, agreementRate: answered ? agreed / answered : null });

/** 24 answered (four eyes 8, quality 16), 18 agreed; three analysts and three warning buckets. */
function figures(overrides: Partial<SecondReviewInsights> = {}): SecondReviewInsights {
  return {
    totals: {
      ...rate(18, 24),
      open: 5,
      disagreementsWaiting: 2,
      byPurpose: {
        fourEyes: { ...rate(5, 8), open: 1, disagreementsWaiting: 2 },
        quality: { ...rate(13, 16), open: 4, disagreementsWaiting: 0 },
      },
    },
    analysts: [
      { actorId: 'a1', label: 'al@example.test', ...rate(12, 15) },
      { actorId: 'a2', label: 'bea@example.test', ...rate(3, 6) },
      { actorId: 'a3', label: 'cy@example.test', ...rate(3, 3) },
    ],
    warningCodes: [
      { code: 'LOW_FACE_MATCH_SIMILARITY', ...rate(9, 12) },
      { code: null, ...rate(8, 10) },
      { code: 'LIVENESS_FACE_ATTACK', ...rate(1, 4) },
    ],
    ...overrides,
  };
}

const table = (name: string) => screen.getByRole('table', { name });
const rowsOf = (name: string) =>
  within(table(name))
    .getAllByTestId('agreement-row')
    .map((row) => [
      within(row).getByRole('rowheader').textContent,
      ...within(row)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ]);

describe('second review agreement on the insights page', () => {
  it('shows the agreement rate, the answered reviews and the work waiting now, split by purpose', () => {
    render(<SecondReviewAgreement data={figures()} search="" />);
    const totals = screen.getByTestId('second-review-totals');
    // 18 of 24: 75 %; 24 answered is enough not to be flagged.
    expect(within(totals).getByText('Agreement').nextSibling?.textContent).toBe('75.0 %');
    expect(within(totals).getByText('18 of 24 answered')).toBeTruthy();
    expect(within(totals).getByText('Open now').nextSibling?.textContent).toBe('5');
    expect(within(totals).getByText('Disagreements waiting for a lead').nextSibling?.textContent).toBe('2');
    expect(within(totals).queryByText(/n < 10/)).toBeNull();

    const purposes = within(table('Second review by purpose'))
      .getAllByRole('row')
      .slice(1)
      .map((row) => row.textContent);
    // Four eyes 5 of 8 = 62.5 % (8 answers: flagged); quality 13 of 16 = 81.3 %.
    expect(purposes).toEqual(['Four eyes8562.5 % n < 1012', 'Quality161381.3 %40']);
  });

  it('lists the analysts most answered first, flags small samples and sorts by agreement', () => {
    render(<SecondReviewAgreement data={figures()} search="" />);
    const name = 'Second review agreement per analyst';
    expect(rowsOf(name)).toEqual([
      ['al@example.test', '15', '12', '80.0 %'],
      ['bea@example.test', '6', '3', '50.0 % n < 10'],
      ['cy@example.test', '3', '3', '100.0 % n < 10'],
    ]);
    const agreement = within(table(name)).getByRole('columnheader', { name: /Agreement/ });
    fireEvent.click(within(agreement).getByRole('button'));
    expect(agreement.getAttribute('aria-sort')).toBe('descending');
    expect(rowsOf(name).map((r) => r[0])).toEqual(['cy@example.test', 'al@example.test', 'bea@example.test']);
    fireEvent.click(within(agreement).getByRole('button'));
    expect(agreement.getAttribute('aria-sort')).toBe('ascending');
    expect(rowsOf(name).map((r) => r[0])).toEqual(['bea@example.test', 'al@example.test', 'cy@example.test']);
    const analyst = within(table(name)).getByRole('columnheader', { name: /Analyst/ });
    fireEvent.click(within(analyst).getByRole('button'));
    expect(analyst.getAttribute('aria-sort')).toBe('ascending');
    expect(rowsOf(name).map((r) => r[0])).toEqual(['al@example.test', 'bea@example.test', 'cy@example.test']);
  });

  it('names the reviews of sessions without warnings, and sorts warning codes by answered count', () => {
    render(<SecondReviewAgreement data={figures()} search="" />);
    const name = 'Second review agreement per warning code';
    expect(rowsOf(name)).toEqual([
      ['LOW_FACE_MATCH_SIMILARITY', '12', '9', '75.0 %'],
      ['No warnings', '10', '8', '80.0 %'],
      ['LIVENESS_FACE_ATTACK', '4', '1', '25.0 % n < 10'],
    ]);
    const answered = within(table(name)).getByRole('columnheader', { name: /Answered/ });
    fireEvent.click(within(answered).getByRole('button'));
    expect(rowsOf(name).map((r) => r[0])).toEqual(['LIVENESS_FACE_ATTACK', 'No warnings', 'LOW_FACE_MATCH_SIMILARITY']);
  });

  it('says so when nothing was answered, with no rate', () => {
    const none = { ...rate(0, 0), open: 0, disagreementsWaiting: 0 };
    render(
      <SecondReviewAgreement
        data={figures({
          totals: { ...none, open: 2, byPurpose: { fourEyes: none, quality: { ...none, open: 2 } } },
          analysts: [],
          warningCodes: [],
        })}
        search=""
      />,
    );
    const totals = screen.getByTestId('second-review-totals');
    expect(within(totals).getByText('Agreement').nextSibling?.textContent).toBe('—');
    expect(within(totals).getByText('0 of 0 answered')).toBeTruthy();
    expect(within(totals).getByText('Open now').nextSibling?.textContent).toBe('2');
    expect(screen.getByText('No analyst’s decision was reviewed in this range.')).toBeTruthy();
    expect(screen.getByText('No review was answered in this range.')).toBeTruthy();
    expect(screen.queryByRole('table', { name: 'Second review agreement per analyst' })).toBeNull();
  });

  it('downloads each table as CSV for the same range and workflow, and shows a refusal', async () => {
    const requested: string[] = [];
    const saved: string[] = [];
    vi.stubGlobal('fetch', (url: string) => {
      requested.push(url);
      if (url.includes('warning-codes')) {
        return Promise.resolve(
          Response.json(
            { error: { code: 'too_many_requests', message: 'Too many insights requests at once.' } },
            { status: 429 },
          ),
        );
      }
      return Promise.resolve(
        new Response('analyst,answered,agreed,agreement_rate\r\n', {
          headers: { 'content-disposition': 'attachment; filename="insights-second-review-analysts-2026-11-02-2026-11-03.csv"' },
        }),
      );
    });
    // jsdom has no object URLs; the browser's download itself is the anchor's click.
    vi.stubGlobal(
      'URL',
      class extends URL {
        static override createObjectURL = () => 'blob:csv';
        static override revokeObjectURL = () => {};
      },
    );
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download);
    });
    render(<SecondReviewAgreement data={figures()} search="from=2026-11-02&to=2026-11-03&workflow=w1" />);

    fireEvent.click(screen.getByRole('button', { name: 'Download CSV: second review by analyst' }));
    await waitFor(() => expect(saved).toEqual(['insights-second-review-analysts-2026-11-02-2026-11-03.csv']));
    fireEvent.click(screen.getByRole('button', { name: 'Download CSV: second review by warning code' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Too many insights requests at once.');
    expect(requested).toEqual([
      '/api/insights?from=2026-11-02&to=2026-11-03&workflow=w1&format=csv&section=second-review-analysts',
      '/api/insights?from=2026-11-02&to=2026-11-03&workflow=w1&format=csv&section=second-review-warning-codes',
    ]);
  });

  it('is a section of the insights page', () => {
    const zero = { decisions: 0, p50Minutes: null, p90Minutes: null, p99Minutes: null, breaches: 0 };
    const data: InsightsResponse = {
      range: { from: '2026-11-02', to: '2026-11-03', days: 2, workflowId: null },
      generatedAt: '2026-11-03T12:00:00.000Z',
      workflows: [],
      timeToDecision: {
        overall: zero,
        byWorkflow: [],
        byDay: [
          { day: '2026-11-02', ...zero },
          { day: '2026-11-03', ...zero },
        ],
        byDayAndWorkflow: [],
      },
      queueDepth: { start: '2026-11-02T00:00:00.000Z', hours: 0, end: '2026-11-03T12:00:00.000Z', series: [] },
      flow: [],
      analysts: [],
      versions: [],
      secondReview: figures(),
    };
    render(
      <MemoryRouter>
        <InsightsView data={data} search="" />
      </MemoryRouter>,
    );
    const section = screen.getByRole('region', { name: 'Second review' });
    expect(within(section).getByRole('table', { name: 'Second review agreement per analyst' })).toBeTruthy();
    // After the analysts, before the threshold versions.
    const headings = screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent);
    expect(headings.indexOf('Second review')).toBe(headings.indexOf('Analysts') + 1);
    expect(headings.indexOf('Threshold versions')).toBe(headings.indexOf('Second review') + 1);
  });
});
