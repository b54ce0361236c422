import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { queueQuerySchema } from '../../../../server/contract/review.ts';
import { renderWithQuery } from '../../test/render-with-query.tsx';
import { QueueTable } from '../queue/QueueTable.tsx';
import { queueItem } from '../session/fixtures.ts';
import { AutoAssignSetting } from '../workflows/AutoAssignSetting.tsx';
import { AvailabilityToggle } from './AvailabilityToggle.tsx';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('the availability toggle in the header', () => {
  it('shows whether I take assignments and switches it through the API', async () => {
    const requests: Array<{ url: string; method: string; body: unknown }> = [];
    let available = false;
    vi.stubGlobal('fetch', (url: string, init: RequestInit = {}) => {
      const method = init.method ?? 'GET';
      requests.push({ url, method, body: init.body ? JSON.parse(init.body as string) : undefined });
      if (method === 'PUT') available = JSON.parse(init.body as string).available === true;
      return Promise.resolve(Response.json({ available, changedAt: null, cap: 5, assigned: available ? 2 : 0 }));
    });
    renderWithQuery(<AvailabilityToggle canClaim />);
    const toggle = await screen.findByRole('switch', { name: 'Available for assignment' });
    expect((toggle as HTMLInputElement).checked).toBe(false);
    expect(screen.getByText('not taking assignments')).toBeTruthy();
    fireEvent.click(toggle);
    await waitFor(() => expect(screen.getByText('2/5 assigned')).toBeTruthy());
    expect(screen.getByRole<HTMLInputElement>('switch').checked).toBe(true);
    expect(requests).toEqual([
      { url: '/api/me/availability', method: 'GET', body: undefined },
      { url: '/api/me/availability', method: 'PUT', body: { available: true } },
    ]);
  });

  it('is not there for people who cannot claim sessions', () => {
    const fetchSpy = vi.fn();
    vi.stubGlobal('fetch', fetchSpy);
    renderWithQuery(<AvailabilityToggle canClaim={false} />);
    expect(screen.queryByRole('switch')).toBeNull();
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});

describe('SLA highlighting and assignment in the queue', () => {
  it('marks at-risk and breached rows in words as well as colour, and names the assignee', () => {
    const items = [
      queueItem({ id: '11111111-1111-4111-8111-111111111111', vendorData: 'fine', slaState: 'ok' }),
      queueItem({
        id: '22222222-2222-4222-8222-222222222222',
        vendorData: 'risky',
        slaState: 'at_risk',
        slaDueAt: '2026-12-01T11:00:00.000Z',
        assignedTo: { userId: 'u1', label: 'analyst@example.test', assignedAt: '2026-12-01T10:00:00.000Z' },
      }),
      queueItem({ id: '33333333-3333-4333-8333-333333333333', vendorData: 'late', slaState: 'breached' }),
    ];
    render(
      <MemoryRouter>
        <QueueTable
          items={items}
          query={queueQuerySchema.parse({})}
          now={Date.parse('2026-12-01T10:30:00Z')}
          linkSearch=""
          selectedId={null}
          onSelect={() => {}}
          onSortChange={() => {}}
        />
      </MemoryRouter>,
    );
    const row = (name: string) => screen.getByText(name).closest('tr')!;
    expect(row('fine').dataset.sla).toBe('ok');
    expect(row('fine').textContent).not.toMatch(/SLA at risk|SLA breached/);
    expect(row('risky').dataset.sla).toBe('at_risk');
    expect(row('risky').textContent).toContain('SLA at risk');
    expect(row('risky').textContent).toContain('analyst@example.test');
    expect(row('late').dataset.sla).toBe('breached');
    expect(row('late').textContent).toContain('SLA breached');
    expect(screen.getByRole('columnheader', { name: 'Assigned to' })).toBeTruthy();
  });
});

describe('the auto-assign switch of a workflow', () => {
  it('a lead switches it on through the API', async () => {
    const requests: Array<{ url: string; method: string; body: unknown }> = [];
    vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
      requests.push({ url, method: init.method ?? 'GET', body: JSON.parse(init.body as string) });
      return Promise.resolve(Response.json({ id: 'w1', label: 'Returning users', autoAssign: true }));
    });
    const onChanged = vi.fn();
    renderWithQuery(<AutoAssignSetting workflowId="w1" autoAssign={false} canChange onChanged={onChanged} />);
    fireEvent.click(screen.getByRole('switch', { name: 'Auto-assign new In Review sessions' }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledOnce());
    expect(requests).toEqual([{ url: '/api/workflows/w1/auto-assign', method: 'PUT', body: { autoAssign: true } }]);
  });
});
