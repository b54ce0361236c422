import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { secondReviewSettingsSchema, type SecondReviewSettings as Settings } from '../../../../server/contract/second-review.ts';
import type { WorkflowDetailDto, WorkflowDto } from '../../../../server/contract/thresholds.ts';
import { queryKeys } from '../../api/queries.ts';
import { createTestQueryClient, renderWithQuery } from '../../test/render-with-query.tsx';
import { workflowDetail } from '../thresholds/fixtures.ts';
import { SecondReviewSettings, secondReviewIntro } from './SecondReviewSettings.tsx';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const off: Settings = { sharePercent: 0, faceMatchFloor: null, declineMargin: null, repeatAttempts: false };

/**
 * The server's `PUT /api/workflows/:id/second-review` (the outside world here): the body is judged
 * by the contract's own schema, and refused the way the server's error middleware refuses it.
 */
function serveSettings(workflow: WorkflowDetailDto) {
  const requests: Array<{ url: string; method: string; body: unknown }> = [];
  vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
    const body: unknown = JSON.parse(init.body as string);
    requests.push({ url, method: init.method ?? 'GET', body });
    const parsed = secondReviewSettingsSchema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
      return Promise.resolve(
        Response.json(
          { error: { code: 'validation_failed', message: 'The request is not valid.', details: { issues } } },
          { status: 400 },
        ),
      );
    }
    return Promise.resolve(Response.json({ id: workflow.id, label: workflow.label, secondReview: parsed.data }));
  });
  return requests;
}

function renderEditor(workflow: WorkflowDetailDto, canChange = true) {
  const client = createTestQueryClient();
  client.setQueryData(queryKeys.workflow(workflow.id), workflow);
  client.setQueryData<WorkflowDto[]>(queryKeys.workflows, [workflow, { ...workflow, id: 'other-workflow' }]);
  renderWithQuery(<SecondReviewSettings workflowId={workflow.id} secondReview={workflow.secondReview} canChange={canChange} />, {
    client,
  });
  return client;
}

const box = (name: string) => screen.getByRole<HTMLInputElement>('spinbutton', { name });
const save = () => screen.getByRole<HTMLButtonElement>('button', { name: 'Save rules' });

describe('a workflow’s second review and four-eyes rules', () => {
  it('reads as words, with what each rule does, for people who cannot change them', () => {
    const workflow = workflowDetail({
      secondReview: { sharePercent: 10, faceMatchFloor: 65, declineMargin: null, repeatAttempts: true },
    });
    renderEditor(workflow, false);
    const section = screen.getByRole('region', { name: 'Second review and four eyes' });
    expect(within(section).getByText(secondReviewIntro)).toBeTruthy();
    const values = within(section)
      .getAllByRole('definition')
      .map((dd) => dd.firstChild?.textContent?.trim());
    expect(values).toEqual(['10 %', '65', 'off', 'on']);
    expect(within(section).getByText(/Approving a face match below this score needs a second analyst/)).toBeTruthy();
    expect(within(section).queryByRole('spinbutton')).toBeNull();
    expect(within(section).queryByRole('button')).toBeNull();
  });

  it('a lead saves the rules together; the workflow’s cached page and list show them', async () => {
    const workflow = workflowDetail({ secondReview: off });
    const requests = serveSettings(workflow);
    const client = renderEditor(workflow);
    // Nothing changed yet: nothing to save.
    expect(save().disabled).toBe(true);
    fireEvent.change(box('Share of decisions checked (%)'), { target: { value: '15' } });
    fireEvent.change(box('Face match floor'), { target: { value: '65' } });
    fireEvent.change(box('Margin around the decline line (points)'), { target: { value: '5' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Third attempt within a day' }));
    fireEvent.click(save());
    expect(await screen.findByRole('status')).toHaveProperty('textContent', 'Rules saved.');
    const saved = { sharePercent: 15, faceMatchFloor: 65, declineMargin: 5, repeatAttempts: true };
    expect(requests).toEqual([{ url: `/api/workflows/${workflow.id}/second-review`, method: 'PUT', body: saved }]);
    expect(client.getQueryData<WorkflowDetailDto>(queryKeys.workflow(workflow.id))?.secondReview).toEqual(saved);
    const list = client.getQueryData<WorkflowDto[]>(queryKeys.workflows) ?? [];
    expect(list.map((w) => w.secondReview)).toEqual([saved, off]);
  });

  it('an empty floor or margin turns that rule off', async () => {
    const workflow = workflowDetail({
      secondReview: { sharePercent: 5, faceMatchFloor: 60, declineMargin: 3, repeatAttempts: false },
    });
    const requests = serveSettings(workflow);
    renderEditor(workflow);
    expect(box('Face match floor').value).toBe('60');
    fireEvent.change(box('Face match floor'), { target: { value: '' } });
    fireEvent.change(box('Margin around the decline line (points)'), { target: { value: '' } });
    fireEvent.click(save());
    await screen.findByRole('status');
    expect(requests.map((r) => r.body)).toEqual([
      { sharePercent: 5, faceMatchFloor: null, declineMargin: null, repeatAttempts: false },
    ]);
  });

  it('shows what the server refuses beside its field, and keeps the rules in force', async () => {
    const workflow = workflowDetail({ secondReview: off });
    serveSettings(workflow);
    const client = renderEditor(workflow);
    fireEvent.change(box('Share of decisions checked (%)'), { target: { value: '150' } });
    fireEvent.change(box('Margin around the decline line (points)'), { target: { value: '80' } });
    fireEvent.click(save());
    expect((await screen.findByRole('alert')).textContent).toBe('The request is not valid.');
    for (const [name, limit] of [
      ['Share of decisions checked (%)', '100'],
      ['Margin around the decline line (points)', '50'],
    ] as const) {
      const input = box(name);
      expect(input.getAttribute('aria-invalid')).toBe('true');
      // The server's words for the field (its limit) are part of the box's description.
      const problemId = input.getAttribute('aria-describedby')?.split(' ')[0] ?? '';
      expect(document.getElementById(problemId)?.textContent).toContain(limit);
    }
    expect(box('Face match floor').getAttribute('aria-invalid')).toBeNull();
    expect(client.getQueryData<WorkflowDetailDto>(queryKeys.workflow(workflow.id))?.secondReview).toEqual(off);
  });

  it('shows rules changed elsewhere in an untouched form, and keeps what a lead is typing', () => {
    const workflow = workflowDetail({ secondReview: off });
    const { rerender } = renderWithQuery(<SecondReviewSettings workflowId={workflow.id} secondReview={off} canChange />);
    rerender(<SecondReviewSettings workflowId={workflow.id} secondReview={{ ...off, sharePercent: 20 }} canChange />);
    expect(box('Share of decisions checked (%)').value).toBe('20');
    fireEvent.change(box('Face match floor'), { target: { value: '70' } });
    rerender(<SecondReviewSettings workflowId={workflow.id} secondReview={{ ...off, sharePercent: 30 }} canChange />);
    expect(box('Share of decisions checked (%)').value).toBe('20');
    expect(box('Face match floor').value).toBe('70');
  });

  it('an empty share is not taken for 0: the server refuses it', async () => {
    const workflow = workflowDetail({ secondReview: { ...off, sharePercent: 10 } });
    const requests = serveSettings(workflow);
    renderEditor(workflow);
    fireEvent.change(box('Share of decisions checked (%)'), { target: { value: '' } });
    fireEvent.click(save());
    await screen.findByRole('alert');
    expect(requests.map((r) => (r.body as { sharePercent: unknown }).sharePercent)).toEqual([null]);
    await waitFor(() => expect(box('Share of decisions checked (%)').getAttribute('aria-invalid')).toBe('true'));
  });
});
