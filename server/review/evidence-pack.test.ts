import { describe, expect, it } from 'vitest';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { pdfPageToPng, pdfText, pngInk } from '../../test/helpers/pdf.ts';
import { renderEvidencePack, sanitizeText, wrapText, type EvidencePackData } from './evidence-pack.ts';

/** The evidence pack's layout on plain data (issue 20): no database, read back with poppler. */

const generatedAt = new Date('2026-12-03T10:15:00.000Z');
const sessionId = '7c0e9a52-1111-4000-8000-00000000abcd';

function packData(overrides: Partial<EvidencePackData> = {}): EvidencePackData {
  return {
    session: {
      id: sessionId,
      sessionNumber: 4821,
      workflowId: '9d1f0000-2222-4000-8000-000000000001',
      workflowLabel: 'Returning user',
      status: 'Declined',
      livenessStatus: 'Approved',
      faceMatchStatus: 'In Review',
      livenessMethod: 'PASSIVE',
      createdAt: new Date('2026-12-01T08:00:00.000Z'),
      decidedAt: new Date('2026-12-01T09:30:00.000Z'),
      decisionSource: "the review console (an analyst's decision, sent to Didit)",
      decidedBy: 'analyst@example.test',
      decisionReason: 'Different person (different_person)',
      decisionComment: null,
      pushState: 'confirmed',
      personalDataRemovedAt: null,
    },
    scores: { liveness: 91.5, faceMatch: 58, hasFaceMatch: true },
    scoredUnder: {
      version: 1,
      source: 'console version 1',
      livenessReview: 70,
      livenessDecline: 50,
      faceMatchReview: 80,
      faceMatchDecline: 60,
    },
    inForceNow: {
      version: 2,
      source: 'console version 2, applied 2026-12-02',
      livenessReview: 75,
      livenessDecline: 50,
      faceMatchReview: 85,
      faceMatchDecline: 60,
    },
    warnings: [
      {
        risk: 'LOW_FACE_MATCH_SIMILARITY',
        feature: 'FACEMATCH',
        shortDescription: 'Low face match similarity',
        longDescription: 'The selfie and the reference portrait are less similar than the configured threshold.',
      },
    ],
    timeline: [
      {
        at: new Date('2026-12-01T09:00:00.000Z'),
        source: 'didit',
        title: 'Didit: In Review (status.updated)',
        actor: null,
        reason: null,
        push: null,
        note: null,
        noteRemovedAt: null,
      },
      {
        at: new Date('2026-12-01T09:20:00.000Z'),
        source: 'console',
        title: 'Note added',
        actor: 'lead@example.test',
        reason: null,
        push: null,
        note: null,
        noteRemovedAt: new Date('2026-12-02T00:00:00.000Z'),
      },
      {
        at: new Date('2026-12-01T09:30:00.000Z'),
        source: 'console',
        title: 'Decision: Declined',
        actor: 'analyst@example.test',
        reason: 'Different person (different_person)',
        push: 'confirmed',
        note: `Jawline and eyes differ from the portrait. ${'Long remark. '.repeat(60)}`,
        noteRemovedAt: null,
      },
    ],
    audit: {
      entries: [
        {
          id: 17,
          at: new Date('2026-12-01T09:30:00.000Z'),
          action: 'session.decided',
          actor: 'analyst@example.test',
          details: 'decision: Declined; reason: different_person',
          hash: 'a'.repeat(64),
        },
      ],
      total: 1,
    },
    images: [
      {
        kind: 'selfie',
        sha256: 'b'.repeat(64),
        byteLength: 20480,
        contentType: 'image/jpeg',
        unavailable: null,
      },
      { kind: 'portrait', sha256: null, byteLength: null, contentType: null, unavailable: 'not available: no link held' },
    ],
    embedImages: false,
    generatedAt,
    generatedBy: 'analyst@example.test',
    ...overrides,
  };
}

describe('the evidence pack PDF', () => {
  it('says what an auditor needs, in text a PDF reader extracts', async () => {
    const pack = await renderEvidencePack(packData());
    const text = await pdfText(pack.bytes);
    expect(text).toContain(`Session ${sessionId}`);
    expect(text).toContain('Scored under (version 1)');
    expect(text).toContain('In force now (version 2)');
    expect(text).toContain('review 80 / decline 60');
    expect(text).toContain('LOW_FACE_MATCH_SIMILARITY');
    expect(text).toContain('Jawline and eyes differ from the portrait.');
    expect(text).toContain('removed by retention on 2026-12-02 00:00:00 UTC');
    expect(text).toContain('session.decided');
    expect(text).toContain('b'.repeat(64));
    expect(text).toContain('not available: no link held');
    expect(text).toContain(`Generated 2026-12-03 10:15:00 UTC by analyst@example.test · session ${sessionId}`);
    expect(text).toContain(`Page 1 of ${pack.pages}`);
    expect(pack.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(pack.imagesIncluded).toBe(false);
  });

  it('paginates a long history, numbering every page', async () => {
    const timeline = Array.from({ length: 120 }, (_, i) => ({
      at: new Date(Date.UTC(2026, 11, 1, 9, i)),
      source: 'console' as const,
      title: 'Note added',
      actor: 'analyst@example.test',
      reason: null,
      push: null,
      note: `Remark number ${i}.`,
      noteRemovedAt: null,
    }));
    const pack = await renderEvidencePack(packData({ timeline }));
    expect(pack.pages).toBeGreaterThan(2);
    const text = await pdfText(pack.bytes);
    for (let page = 1; page <= pack.pages; page++) expect(text).toContain(`Page ${page} of ${pack.pages}`);
    expect(text).toContain('Remark number 119.');
  });

  it('renders page 1 as a non-blank PNG', async () => {
    const pack = await renderEvidencePack(packData());
    const png = await pdfPageToPng(pack.bytes, { page: 1, dpi: 50 });
    const { width, height, inkShare } = pngInk(png);
    expect(width).toBeGreaterThan(300);
    expect(height).toBeGreaterThan(500);
    expect(inkShare).toBeGreaterThan(0.005);
  });

  it('replaces what the standard font cannot encode with "?" instead of failing', async () => {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    expect(sanitizeText(font, 'Zoë – “ok” ✓ 漢字\tend')).toBe('Zoë – “ok” ? ?? end');
    const pack = await renderEvidencePack(
      packData({
        generatedBy: 'Zoë 漢字',
        warnings: [{ risk: 'X', feature: null, shortDescription: '✓ ok', longDescription: null }],
      }),
    );
    const text = await pdfText(pack.bytes);
    expect(text).toContain('by Zoë ??');
    expect(text).toContain('? ok');
  });

  it('wraps long words (hashes, ids) inside the width', async () => {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    const lines = wrapText(font, 10, `short ${'x'.repeat(300)} end`, 200);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(font.widthOfTextAtSize(line, 10)).toBeLessThanOrEqual(200);
    expect(lines.join('')).toContain('x'.repeat(10));
  });
});
