import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CapabilityName, MeResponse } from '../../../../server/contract/auth.ts';
import { rootRouteId } from '../auth/me.ts';
import { renderWithQuery } from '../../test/render-with-query.tsx';
import { summarizeAuditDetails } from '../audit/audit-details.ts';
import { sessionDetail } from '../session/fixtures.ts';
import { EvidencePackImagesSetting } from '../workflows/EvidencePackImagesSetting.tsx';
import { EvidencePackLink } from './EvidencePackLink.tsx';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const workflowId = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

/** Renders inside the signed-in shell's route, as `role` with `capabilities`. */
async function renderAs(role: MeResponse['user']['role'], capabilities: CapabilityName[], element: ReactNode) {
  const me: MeResponse = { user: { kind: 'user', id: 'u', label: `${role}@example.test`, role }, capabilities };
  const router = createMemoryRouter([{ id: rootRouteId, path: '/', loader: () => me, element: <main>{element}</main> }]);
  render(<RouterProvider router={router} />);
  await screen.findByRole('main');
}

describe('the evidence pack download', () => {
  it('is offered on a decided session to an analyst, linking to its PDF', async () => {
    const session = sessionDetail({ status: 'Declined' });
    await renderAs('analyst', ['session.read', 'session.evidence_pack'], <EvidencePackLink session={session} />);
    const link = screen.getByRole('link', { name: 'Download evidence pack (PDF)' });
    expect(link.getAttribute('href')).toBe(`/api/sessions/${session.id}/evidence-pack.pdf`);
    expect(link.hasAttribute('download')).toBe(true);
  });

  it('is not offered to a viewer, on a session still In Review, nor on one erased on request', async () => {
    const erased = sessionDetail({ status: 'Approved' });
    await renderAs(
      'analyst',
      ['session.read', 'session.evidence_pack'],
      <>
        <EvidencePackLink session={sessionDetail({ status: 'In Review' })} />
        <EvidencePackLink session={{ ...erased, privacy: { ...erased.privacy, removal: 'erasure' } }} />
      </>,
    );
    expect(screen.queryByRole('link')).toBeNull();
    cleanup();
    await renderAs('viewer', ['session.read'], <EvidencePackLink session={sessionDetail({ status: 'Declined' })} />);
    expect(screen.queryByRole('link')).toBeNull();
  });
});

describe('whether evidence packs embed the images', () => {
  it('reads as words for people who cannot change it', () => {
    renderWithQuery(
      <EvidencePackImagesSetting workflowId={workflowId} evidencePackImages={false} canChange={false} onChanged={() => {}} />,
    );
    expect(screen.getByText(/carry the SHA-256 hashes of the selfie and portrait, not the images/)).toBeTruthy();
    expect(screen.queryByRole('switch')).toBeNull();
  });

  it('a lead switches it on: saved through the API at once, then the workflow is read again', async () => {
    const requests: Array<{ url: string; method: string; body: unknown }> = [];
    vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
      requests.push({ url, method: init.method ?? 'GET', body: JSON.parse(init.body as string) });
      return Promise.resolve(Response.json({ id: workflowId, label: 'Returning users', evidencePackImages: true }));
    });
    const onChanged = vi.fn();
    renderWithQuery(
      <EvidencePackImagesSetting workflowId={workflowId} evidencePackImages={false} canChange onChanged={onChanged} />,
    );
    fireEvent.click(screen.getByRole('switch', { name: 'Embed images in evidence packs' }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledOnce());
    expect(requests).toEqual([
      { url: `/api/workflows/${workflowId}/evidence-pack-images`, method: 'PUT', body: { evidencePackImages: true } },
    ]);
  });
});

describe('the audit page reads evidence pack entries', () => {
  it('summarises a generation and a policy change in words', () => {
    expect(
      summarizeAuditDetails('session.evidence_pack_generated', { pages: 3, sha256: 'ab'.repeat(32), imagesIncluded: false }),
    ).toBe('evidence pack (PDF) generated · 3 pages · image hashes only · sha256 abababababab…');
    expect(summarizeAuditDetails('workflow.evidence_pack_images_changed', { from: false, to: true })).toBe(
      'evidence packs now embed the images',
    );
  });
});
