import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithQuery } from '../../test/render-with-query.tsx';
import { ViewerRevealSetting } from './ViewerRevealSetting.tsx';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const workflowId = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

describe('whether viewers may reveal faces in a workflow', () => {
  it('reads as words for people who cannot change it', () => {
    renderWithQuery(
      <ViewerRevealSetting workflowId={workflowId} viewersMayReveal={false} canChange={false} onChanged={() => {}} />,
    );
    expect(screen.getByText(/Viewers see scores and warnings only in this workflow/)).toBeTruthy();
    expect(screen.queryByRole('switch')).toBeNull();
  });

  it('a lead switches it on: saved through the API at once, then the workflow is read again', async () => {
    const requests: Array<{ url: string; method: string; body: unknown }> = [];
    vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
      requests.push({ url, method: init.method ?? 'GET', body: JSON.parse(init.body as string) });
      return Promise.resolve(Response.json({ id: workflowId, label: 'Returning users', viewersMayReveal: true }));
    });
    const onChanged = vi.fn();
    renderWithQuery(<ViewerRevealSetting workflowId={workflowId} viewersMayReveal={false} canChange onChanged={onChanged} />);
    const toggle = screen.getByRole('switch', { name: 'Viewers may reveal faces' });
    expect((toggle as HTMLInputElement).checked).toBe(false);
    fireEvent.click(toggle);
    await waitFor(() => expect(onChanged).toHaveBeenCalledOnce());
    expect(requests).toEqual([
      { url: `/api/workflows/${workflowId}/viewer-reveal`, method: 'PUT', body: { viewersMayReveal: true } },
    ]);
  });
});
