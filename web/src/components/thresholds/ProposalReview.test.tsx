import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Contradiction, ThresholdSet } from '../../../../server/contract/thresholds.ts';
import { ApiError } from '../../api/client.ts';
import type { ThresholdVersionApi } from '../../api/thresholds.ts';
import { simulation, thresholds, thresholdVersion, workflowDetail } from './fixtures.ts';
import { ProposalReview } from './ProposalReview.tsx';

afterEach(cleanup);

const WORKFLOW_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const proposed: ThresholdSet = { ...thresholds, faceMatchReview: 90, faceMatchDecline: 70 };
const proposal = thresholdVersion({
  id: 4,
  version: 4,
  state: 'proposed',
  thresholds: proposed,
  reason: 'Face-match fraud rose last week.',
  proposedBy: 'Lead One',
  proposedById: 'lead-1',
  decidedBy: null,
  decidedAt: null,
  appliedAt: null,
  diditVersion: null,
});
const workflow = workflowDetail({
  label: 'Returning user – liveness + face match',
  currentVersion: 3,
  openProposal: 4,
  versions: [proposal, thresholdVersion({ id: 3, version: 3 })],
});

const contradiction = (n: number): Contradiction => ({
  sessionId: `0000000${n}-0000-0000-0000-000000000000`,
  vendorData: `user-${n}`,
  livenessScore: 90,
  faceMatchScore: 85,
  analystVerdict: 'Approved',
  proposedOutcome: 'In Review',
  decidedAt: '2026-01-05T10:00:00.000Z',
});

function fakeApi() {
  let resolveSimulation: () => void = () => undefined;
  const simulated = new Promise<void>((resolve) => (resolveSimulation = resolve));
  const api = {
    simulateThresholds: vi.fn<ThresholdVersionApi['simulateThresholds']>(async (_id, t) => {
      await simulated;
      return {
        ...simulation(t),
        matrix: {
          Approved: { Approved: 40, 'In Review': 7, Declined: 0 },
          'In Review': { Approved: 0, 'In Review': 5, Declined: 1 },
          Declined: { Approved: 0, 'In Review': 0, Declined: 3 },
        },
        reviewsPerDay: { current: 1.5, proposed: 2.5, change: 1 },
        declinesPerDay: { current: 0.4, proposed: 0.6, change: 0.2 },
        contradictions: { total: 7, items: [1, 2, 3, 4, 5, 6, 7].map(contradiction) },
      };
    }),
    proposeThresholds: vi.fn<ThresholdVersionApi['proposeThresholds']>(),
    actOnVersion: vi.fn<ThresholdVersionApi['actOnVersion']>((_id, version) =>
      Promise.resolve(thresholdVersion({ version, state: 'approved' })),
    ),
  };
  return { api, resolveSimulation };
}

function renderReview(api: ThresholdVersionApi) {
  const onChange = vi.fn();
  render(
    <MemoryRouter>
      <ProposalReview workflow={workflow} proposal={proposal} onChange={onChange} api={api} />
    </MemoryRouter>,
  );
  return { onChange };
}

const review = () => screen.getByRole('region', { name: 'Review v4 before it reaches Didit' });

async function openApproveDialog() {
  const approve = await screen.findByRole<HTMLButtonElement>('button', { name: 'Approve v4…' });
  await waitFor(() => expect(approve.disabled).toBe(false));
  approve.focus();
  fireEvent.click(approve);
  return { approve, dialog: screen.getByRole('dialog', { name: 'Approve v4' }) };
}

describe('proposal review', () => {
  it('shows the proposed values against those in force with the difference, the proposer and the reason', () => {
    const { api } = fakeApi();
    renderReview(api);
    const table = within(review()).getByRole('table', { name: 'v4 against the thresholds in force' });
    const headers = within(table)
      .getAllByRole('columnheader')
      .map((th) => th.textContent);
    expect(headers).toEqual(['Threshold', 'In force (v3)', 'Proposed (v4)', 'Difference']);
    const cells = (name: string) =>
      within(within(table).getByRole('row', { name: new RegExp(`^${name}`) }))
        .getAllByRole('cell')
        .map((td) => td.textContent);
    expect(cells('Liveness review')).toEqual(['70', '70', 'unchanged']);
    expect(cells('Liveness decline')).toEqual(['50', '50', 'unchanged']);
    expect(cells('Face-match review')).toEqual(['80', '90', '+10']);
    expect(cells('Face-match decline')).toEqual(['60', '70', '+10']);
    expect(within(review()).getByText('Lead One')).toBeTruthy();
    expect(within(review()).getByText('Face-match fraud rose last week.')).toBeTruthy();
  });

  it("simulates the proposal's thresholds when opened and lets approval wait for it", async () => {
    const { api, resolveSimulation } = fakeApi();
    renderReview(api);
    expect(api.simulateThresholds).toHaveBeenCalledTimes(1);
    expect(api.simulateThresholds.mock.calls[0]?.slice(0, 3)).toEqual([WORKFLOW_ID, proposed, 7]);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Approve v4…' }).disabled).toBe(true);
    expect(screen.getByRole('status').textContent).toBe('Simulating v4…');

    resolveSimulation();
    const matrix = await within(review()).findByRole('table', { name: 'Transition matrix' });
    expect(within(within(matrix).getByRole('row', { name: /^Approved/ })).getAllByRole('cell')[1]?.textContent).toBe('7');
    expect(within(review()).getByTestId('review-change').textContent).toBe(
      'Reviews per day: 1.5 → 2.5 (+1); declines per day: 0.4 → 0.6 (+0.2).',
    );
    expect(within(review()).getByRole('heading', { name: 'Analyst verdicts it would contradict: 7' })).toBeTruthy();
    // The first few, each a link to its session.
    const links = within(within(review()).getByRole('table', { name: 'Contradicted verdicts' })).getAllByRole('link');
    expect(links.map((a) => a.textContent)).toEqual(['user-1', 'user-2', 'user-3', 'user-4', 'user-5']);
    expect(links[0]?.getAttribute('href')).toBe('/sessions/00000001-0000-0000-0000-000000000000');
    expect(within(review()).getByText('The first 5 of 7 listed.')).toBeTruthy();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Approve v4…' }).disabled).toBe(false);
    // One simulation per opening.
    expect(api.simulateThresholds).toHaveBeenCalledTimes(1);
  });

  it('confirms approval in a dialog naming the workflow and the change; Esc cancels and gives focus back', async () => {
    const { api, resolveSimulation } = fakeApi();
    const { onChange } = renderReview(api);
    resolveSimulation();
    const { approve, dialog } = await openApproveDialog();
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(within(dialog).getByText(/^Approve v4 of/).textContent).toBe(
      'Approve v4 of ‘Returning user – liveness + face match’: face-match review 80 → 90, decline 60 → 70. Didit will be updated at once.',
    );
    // Focus starts in the dialog, on the note.
    expect(document.activeElement).toBe(within(dialog).getByLabelText('Note (optional)'));

    fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(approve);
    expect(api.actOnVersion).not.toHaveBeenCalled();
    expect(onChange).not.toHaveBeenCalled();
  });

  it('keeps Tab inside the dialog', async () => {
    const { api, resolveSimulation } = fakeApi();
    renderReview(api);
    resolveSimulation();
    const { dialog } = await openApproveDialog();
    const note = within(dialog).getByLabelText('Note (optional)');
    // The last control is the confirm button: Tab from it comes back to the note, Shift+Tab goes to it.
    const confirm = within(dialog).getByRole('button', { name: 'Confirm' });
    confirm.focus();
    fireEvent.keyDown(confirm, { key: 'Tab' });
    expect(document.activeElement).toBe(note);
    fireEvent.keyDown(note, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(confirm);
  });

  it('posts the approval with the note on Confirm', async () => {
    const { api, resolveSimulation } = fakeApi();
    const { onChange } = renderReview(api);
    resolveSimulation();
    const { dialog } = await openApproveDialog();
    fireEvent.change(within(dialog).getByLabelText('Note (optional)'), { target: { value: '  Checked the 7 sessions.  ' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Confirm' }));
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    expect(api.actOnVersion).toHaveBeenCalledWith(WORKFLOW_ID, 4, 'approve', 'Checked the 7 sessions.');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('keeps the dialog open with the server’s answer when the approval is refused', async () => {
    const { api, resolveSimulation } = fakeApi();
    api.actOnVersion.mockRejectedValueOnce(
      new ApiError(409, 'conflict', 'Version 4 is withdrawn; only a proposed version can be approved.'),
    );
    const { onChange } = renderReview(api);
    resolveSimulation();
    const { dialog } = await openApproveDialog();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Confirm' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe(
      'Version 4 is withdrawn; only a proposed version can be approved.',
    );
    expect(api.actOnVersion).toHaveBeenCalledWith(WORKFLOW_ID, 4, 'approve', undefined);
    expect(onChange).not.toHaveBeenCalled();
  });

  it('asks for the reason of a rejection in a dialog and posts it', async () => {
    const { api } = fakeApi();
    const { onChange } = renderReview(api);
    fireEvent.click(screen.getByRole('button', { name: 'Reject v4…' }));
    const dialog = screen.getByRole('dialog', { name: 'Reject v4' });
    expect(within(dialog).getByText(/^Reject v4 of/).textContent).toBe(
      'Reject v4 of ‘Returning user – liveness + face match’: face-match review 80 → 90, decline 60 → 70. The thresholds in force stay as they are.',
    );
    const confirm = within(dialog).getByRole<HTMLButtonElement>('button', { name: 'Confirm' });
    expect(confirm.disabled).toBe(true);
    fireEvent.change(within(dialog).getByLabelText('Why reject it? (required)'), {
      target: { value: 'Too many extra reviews for the team this month.' },
    });
    expect(confirm.disabled).toBe(false);
    fireEvent.click(confirm);
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    expect(api.actOnVersion).toHaveBeenCalledWith(WORKFLOW_ID, 4, 'reject', 'Too many extra reviews for the team this month.');
  });
});
