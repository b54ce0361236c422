import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ThresholdSet, WorkflowDetailDto } from '../../../../server/contract/thresholds.ts';
import type { ThresholdVersionApi } from '../../api/thresholds.ts';
import { thresholds, thresholdVersion, workflowDetail } from './fixtures.ts';
import { VersionHistory } from './VersionHistory.tsx';

afterEach(cleanup);

const WORKFLOW_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const stricter: ThresholdSet = { ...thresholds, faceMatchReview: 90, faceMatchDecline: 70 };
const v1 = thresholdVersion({ id: 1, version: 1, thresholds });
const v2 = thresholdVersion({ id: 2, version: 2, thresholds: stricter, reason: 'Stricter face match' });
const v3 = thresholdVersion({
  id: 3,
  version: 3,
  state: 'proposed',
  thresholds: { ...stricter, livenessReview: 75 },
  proposedBy: 'Lead Two',
  proposedById: 'lead-2',
  decidedBy: null,
  decidedAt: null,
  appliedAt: null,
  diditVersion: null,
});

function renderHistory(workflow: WorkflowDetailDto, { me = 'lead-1', canApprove = true } = {}) {
  const api = {
    simulateThresholds: vi.fn<ThresholdVersionApi['simulateThresholds']>(),
    proposeThresholds: vi.fn<ThresholdVersionApi['proposeThresholds']>((_id, t, reason) =>
      Promise.resolve(thresholdVersion({ version: 3, state: 'proposed', thresholds: t, reason })),
    ),
    actOnVersion: vi.fn<ThresholdVersionApi['actOnVersion']>(),
  };
  const onChange = vi.fn();
  render(<VersionHistory workflow={workflow} me={me} canApprove={canApprove} canPropose onChange={onChange} api={api} />);
  return { api, onChange };
}

/** v2 is in force; v1, applied before it, can be proposed again. */
const rolledForward = workflowDetail({ current: stricter, currentVersion: 2, versions: [v2, v1] });

describe('version history', () => {
  it("rolls back by proposing the earlier version's values with a prefilled reason", async () => {
    const { api, onChange } = renderHistory(rolledForward);
    expect(within(screen.getByTestId('version-2')).queryByRole('button', { name: /Roll back/ })).toBeNull(); // in force
    const rollback = within(screen.getByTestId('version-1')).getByRole('button', { name: 'Roll back to v1…' });
    rollback.focus();
    fireEvent.click(rollback);

    const dialog = screen.getByRole('dialog', { name: 'Roll back to v1' });
    expect(within(dialog).getByText(/^Propose v3 of/).textContent).toBe(
      "Propose v3 of ‘Returning users’ with v1's values: face-match review 90 → 80, decline 70 → 60. Another lead has to approve it before Didit is updated.",
    );
    const table = within(dialog).getByRole('table', { name: 'v1 against the thresholds in force' });
    expect(
      within(within(table).getByRole('row', { name: /^Face-match review/ }))
        .getAllByRole('cell')
        .map((td) => td.textContent),
    ).toEqual(['90', '80', '-10']);

    const reason = within(dialog).getByLabelText<HTMLTextAreaElement>('Reason (required)');
    expect(reason.value).toBe('Roll back to v1: ');
    expect(document.activeElement).toBe(reason);
    // The prefix alone says nothing to the approving lead.
    const propose = within(dialog).getByRole<HTMLButtonElement>('button', { name: 'Propose v3' });
    expect(propose.disabled).toBe(true);
    expect(within(dialog).getByText('Say why after “Roll back to v1:”.')).toBeTruthy();
    fireEvent.change(reason, { target: { value: 'Roll back to v1: v2 doubled the reviews.' } });
    fireEvent.click(propose);

    await waitFor(() => expect(onChange).toHaveBeenCalled());
    expect(api.proposeThresholds).toHaveBeenCalledWith(WORKFLOW_ID, thresholds, 'Roll back to v1: v2 doubled the reviews.');
    // The dialog closes once the proposal is answered, and focus goes back (both after that answer).
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await waitFor(() => expect(document.activeElement).toBe(rollback));
  });

  it('Esc cancels a rollback without proposing anything', () => {
    const { api } = renderHistory(rolledForward);
    fireEvent.click(screen.getByRole('button', { name: 'Roll back to v1…' }));
    fireEvent.keyDown(screen.getByLabelText('Reason (required)'), { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(api.proposeThresholds).not.toHaveBeenCalled();
  });

  it('disables the rollback, saying why, while a proposal is open', () => {
    renderHistory({ ...rolledForward, openProposal: 3, versions: [v3, v2, v1] });
    const rollback = within(screen.getByTestId('version-1')).getByRole<HTMLButtonElement>('button', { name: 'Roll back to v1…' });
    expect(rollback.disabled).toBe(true);
    const why = document.getElementById(rollback.getAttribute('aria-describedby') ?? '');
    expect(why?.textContent).toBe('v3 is open: approve, reject or withdraw it before rolling back.');
  });

  it('offers no rollback to the values already in force', () => {
    renderHistory({ ...rolledForward, versions: [thresholdVersion({ id: 2, version: 2, thresholds }), v1], current: thresholds });
    expect(
      within(screen.getByTestId('version-1')).getByRole<HTMLButtonElement>('button', { name: 'Roll back to v1…' }).disabled,
    ).toBe(true);
    expect(screen.getByText("v1's values are the ones in force.")).toBeTruthy();
  });

  it('sends the approving lead to the review panel instead of approving from the list', () => {
    renderHistory({ ...rolledForward, openProposal: 3, versions: [v3, v2, v1] });
    const row = screen.getByTestId('version-3');
    expect(within(row).queryByRole('button', { name: /Approve/ })).toBeNull();
    expect(within(row).getByRole('link', { name: 'Review v3 above' }).getAttribute('href')).toBe('#proposal-review');
  });
});
