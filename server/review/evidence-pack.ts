import { createHash } from 'node:crypto';
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFImage, type PDFPage, type RGB } from 'pdf-lib';

/**
 * The evidence pack of a decided session (issue 20): a PDF for auditors, built here from data
 * the service gathered (`evidence-pack.service.ts`). Nothing here reads the database or the
 * network, so the layout is tested on plain values and the PDF depends only on its input.
 *
 * The standard PDF fonts (Helvetica, Courier) are used, with their WinAnsi encoding: no font file
 * is embedded and every viewer renders the text alike. Text they cannot encode (other scripts,
 * emoji) becomes `?` rather than failing the pack; control characters become spaces.
 */

/** Thresholds as the pack shows them: a console version, Didit's word, or none. */
export interface PackThresholds {
  /** The console's threshold version, when the values come from one. */
  version: number | null;
  /** Where the values come from, in words ("console version 3", "Didit's warnings on this session"). */
  source: string;
  livenessReview: number | null;
  livenessDecline: number | null;
  faceMatchReview: number | null;
  faceMatchDecline: number | null;
}

export interface PackTimelineEntry {
  at: Date;
  source: 'didit' | 'console';
  /** What happened: "Didit: status In Review", "Declined", "Note", "Claimed". */
  title: string;
  actor: string | null;
  /** "Different person (different_person)". */
  reason: string | null;
  /** Push to Didit of a decision: pending, confirmed, failed (with the error). */
  push: string | null;
  note: string | null;
  /** Set when retention removed the note's text. */
  noteRemovedAt: Date | null;
}

export interface PackAuditEntry {
  id: number;
  at: Date;
  action: string;
  actor: string;
  /** The entry's details as "key: value" text. */
  details: string;
  /** The entry's hash in the audit chain. */
  hash: string;
}

export interface PackImage {
  kind: 'selfie' | 'portrait';
  /** SHA-256 (hex) of the image's bytes as fetched at generation time; null when not available. */
  sha256: string | null;
  byteLength: number | null;
  contentType: string | null;
  /** Why there is no hash ("not available: no link held", "not available: the fetch failed"). */
  unavailable: string | null;
  /** The bytes, only when the workflow's policy embeds images; never stored. */
  bytes?: Uint8Array;
}

export interface EvidencePackData {
  session: {
    id: string;
    sessionNumber: number | null;
    workflowId: string | null;
    workflowLabel: string | null;
    status: string;
    livenessStatus: string | null;
    faceMatchStatus: string | null;
    livenessMethod: string | null;
    createdAt: Date | null;
    decidedAt: Date | null;
    /** "the console (an analyst)", "Didit (automatically)", "outside the console (Didit's console)". */
    decisionSource: string;
    decidedBy: string | null;
    decisionReason: string | null;
    decisionComment: string | null;
    pushState: string | null;
    /** Retention removed the session's personal data: when. */
    personalDataRemovedAt: Date | null;
  };
  scores: { liveness: number | null; faceMatch: number | null; hasFaceMatch: boolean };
  scoredUnder: PackThresholds;
  inForceNow: PackThresholds;
  warnings: { risk: string; feature: string | null; shortDescription: string | null; longDescription: string | null }[];
  timeline: PackTimelineEntry[];
  audit: { entries: PackAuditEntry[]; total: number };
  images: PackImage[];
  /** The workflow's policy: images embedded (true) or hashes only. */
  embedImages: boolean;
  generatedAt: Date;
  generatedBy: string;
}

export interface EvidencePack {
  bytes: Uint8Array;
  pages: number;
  /** SHA-256 (hex) of `bytes`, as the audit entry records it. */
  sha256: string;
  imagesIncluded: boolean;
}

// A4 portrait, in points.
const PAGE_WIDTH = 595.28;
const PAGE_HEIGHT = 841.89;
const MARGIN_X = 50;
const MARGIN_TOP = 56;
/** Content stops above the footer. */
const CONTENT_BOTTOM = 64;
const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X;

const ink = rgb(0.1, 0.12, 0.16);
const muted = rgb(0.38, 0.41, 0.46);
const accent = rgb(0.1, 0.24, 0.42);
const rule = rgb(0.78, 0.8, 0.84);
const band = rgb(0.94, 0.95, 0.97);
const statusColor: Record<string, RGB> = { Approved: rgb(0.1, 0.45, 0.22), Declined: rgb(0.66, 0.14, 0.14) };

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  mono: PDFFont;
}

interface TextStyle {
  font?: keyof Fonts;
  size?: number;
  color?: RGB;
  indent?: number;
}

/** The code points a standard font encodes (WinAnsi), per font. */
const encodable = new WeakMap<PDFFont, Set<number>>();

/**
 * Text a standard font can draw: control characters and line breaks become spaces, other
 * characters outside the font's WinAnsi set become `?`. Exported for the tests.
 */
export function sanitizeText(font: PDFFont, text: string): string {
  let set = encodable.get(font);
  if (!set) {
    set = new Set(font.getCharacterSet());
    encodable.set(font, set);
  }
  let out = '';
  for (const char of text.normalize('NFC')) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += ' ';
    else out += set.has(code) ? char : '?';
  }
  return out;
}

/**
 * Breaks text into lines at most `width` wide: at spaces where it can, inside a word only when
 * the word alone is wider (hashes, ids). Paragraphs (`\n`) start new lines.
 */
export function wrapText(font: PDFFont, size: number, text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\r\n|\r|\n/)) {
    const words = sanitizeText(font, paragraph)
      .split(' ')
      .filter((word) => word !== '');
    let line = '';
    for (const word of words) {
      const candidate = line === '' ? word : `${line} ${word}`;
      if (font.widthOfTextAtSize(candidate, size) <= width) {
        line = candidate;
        continue;
      }
      if (line !== '') lines.push(line);
      let rest = word;
      while (font.widthOfTextAtSize(rest, size) > width) {
        let cut = rest.length - 1;
        while (cut > 1 && font.widthOfTextAtSize(rest.slice(0, cut), size) > width) cut -= 1;
        lines.push(rest.slice(0, cut));
        rest = rest.slice(cut);
      }
      line = rest;
    }
    lines.push(line);
  }
  return lines;
}

/** "2026-11-30 12:48:01 UTC". */
export function formatInstant(date: Date | null): string {
  if (!date) return 'not recorded';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

const score = (value: number | null) => (value === null ? 'none' : String(Math.round(value * 100) / 100));
const pair = (review: number | null, decline: number | null) =>
  review === null && decline === null ? 'none' : `review ${score(review)} / decline ${score(decline)}`;
const versionLabel = (t: PackThresholds) => (t.version === null ? 'no console version' : `version ${t.version}`);

/** Lays text out top to bottom over as many pages as it takes. */
class Layout {
  readonly pages: PDFPage[] = [];
  private page!: PDFPage;
  private y = 0;

  constructor(
    private readonly doc: PDFDocument,
    readonly fonts: Fonts,
  ) {
    this.newPage();
  }

  newPage(): void {
    this.page = this.doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    this.pages.push(this.page);
    this.y = PAGE_HEIGHT - MARGIN_TOP;
  }

  /** Starts a new page unless `height` still fits on this one. */
  ensure(height: number): void {
    if (this.y - height < CONTENT_BOTTOM) this.newPage();
  }

  space(points: number): void {
    this.y -= points;
  }

  /** One line of text at the cursor, then the cursor moves down a line. */
  line(text: string, style: TextStyle = {}, x = MARGIN_X): void {
    const size = style.size ?? 9.5;
    const lineHeight = size * 1.35;
    this.ensure(lineHeight);
    this.page.drawText(sanitizeText(this.fonts[style.font ?? 'regular'], text), {
      x: x + (style.indent ?? 0),
      y: this.y - size,
      size,
      font: this.fonts[style.font ?? 'regular'],
      color: style.color ?? ink,
    });
    this.y -= lineHeight;
  }

  /** Wrapped text, each line placed (and paginated) on its own. */
  paragraph(text: string, style: TextStyle = {}): void {
    const size = style.size ?? 9.5;
    const font = this.fonts[style.font ?? 'regular'];
    for (const line of wrapText(font, size, text, CONTENT_WIDTH - (style.indent ?? 0))) this.line(line, style);
  }

  /** A section title with a rule under it, kept with the first lines that follow. */
  heading(text: string): void {
    this.ensure(60);
    this.space(10);
    this.line(text, { font: 'bold', size: 12.5, color: accent });
    this.page.drawLine({
      start: { x: MARGIN_X, y: this.y + 2 },
      end: { x: PAGE_WIDTH - MARGIN_X, y: this.y + 2 },
      thickness: 0.75,
      color: rule,
    });
    this.space(5);
  }

  /** Label / value rows: the label in a column of its own, the value wrapped beside it. */
  facts(rows: Array<[string, string, TextStyle?]>, labelWidth = 150): void {
    const size = 9.5;
    for (const [label, value, style] of rows) {
      const font = this.fonts[style?.font ?? 'regular'];
      const lines = wrapText(font, size, value, CONTENT_WIDTH - labelWidth);
      this.ensure(size * 1.35);
      this.line(label, { font: 'bold', color: muted, size }, MARGIN_X);
      this.space(-size * 1.35);
      for (const line of lines) this.line(line, { size, ...style }, MARGIN_X + labelWidth);
      this.space(1.5);
    }
  }

  /** A table of short cells (scores, hashes): a shaded header row, cells wrapped within their column. */
  table(columns: Array<{ header: string; width: number; style?: TextStyle }>, rows: string[][]): void {
    const size = 9;
    const lineHeight = size * 1.35;
    const pad = 4;
    const drawRow = (cells: string[], header: boolean) => {
      const wrapped = cells.map((cell, i) => {
        const column = columns[i]!;
        const font = this.fonts[header ? 'bold' : (column.style?.font ?? 'regular')];
        return wrapText(font, header ? size : (column.style?.size ?? size), cell, column.width - 2 * pad);
      });
      const height = Math.max(...wrapped.map((lines) => lines.length)) * lineHeight + 2 * pad;
      this.ensure(height);
      if (header) {
        this.page.drawRectangle({ x: MARGIN_X, y: this.y - height, width: CONTENT_WIDTH, height, color: band });
      }
      let x = MARGIN_X;
      wrapped.forEach((lines, i) => {
        const column = columns[i]!;
        const cellSize = header ? size : (column.style?.size ?? size);
        lines.forEach((line, n) => {
          this.page.drawText(line, {
            x: x + pad,
            y: this.y - pad - cellSize - n * lineHeight,
            size: cellSize,
            font: this.fonts[header ? 'bold' : (column.style?.font ?? 'regular')],
            color: header ? muted : (column.style?.color ?? ink),
          });
        });
        x += column.width;
      });
      this.y -= height;
      this.page.drawLine({
        start: { x: MARGIN_X, y: this.y },
        end: { x: PAGE_WIDTH - MARGIN_X, y: this.y },
        thickness: 0.5,
        color: rule,
      });
    };
    drawRow(
      columns.map((column) => column.header),
      true,
    );
    for (const row of rows) drawRow(row, false);
    this.space(4);
  }

  /** Images side by side, each scaled into a box of `box` points, with a caption under it. */
  images(items: Array<{ image: PDFImage; caption: string }>, box = 200): void {
    if (items.length === 0) return;
    const captionHeight = 14;
    this.ensure(box + captionHeight + 8);
    let x = MARGIN_X;
    for (const { image, caption } of items) {
      const scale = Math.min(box / image.width, box / image.height, 1);
      const width = image.width * scale;
      const height = image.height * scale;
      this.page.drawImage(image, { x, y: this.y - height, width, height });
      this.page.drawText(sanitizeText(this.fonts.regular, caption), {
        x,
        y: this.y - box - captionHeight + 3,
        size: 8.5,
        font: this.fonts.regular,
        color: muted,
      });
      x += box + 24;
    }
    this.y -= box + captionHeight + 8;
  }
}

/** Builds the evidence pack's PDF. Deterministic for the same data (dates come from `data`). */
export async function renderEvidencePack(data: EvidencePackData): Promise<EvidencePack> {
  const doc = await PDFDocument.create();
  const fonts: Fonts = {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    mono: await doc.embedFont(StandardFonts.Courier),
  };
  const { session } = data;
  doc.setTitle(`Evidence pack: session ${session.id}`);
  doc.setSubject('Didit biometric session: decision, scores, review history and audit trail');
  doc.setAuthor(data.generatedBy);
  doc.setCreator('Review console');
  doc.setProducer('Review console (pdf-lib)');
  doc.setCreationDate(data.generatedAt);
  doc.setModificationDate(data.generatedAt);

  const layout = new Layout(doc, fonts);

  // Title block.
  layout.line('EVIDENCE PACK', { font: 'bold', size: 9, color: muted });
  layout.line(`Session ${session.id}`, { font: 'bold', size: 17, color: ink });
  layout.space(2);
  layout.line(`${session.status}  ·  ${session.workflowLabel ?? 'Unknown workflow'}`, {
    font: 'bold',
    size: 11,
    color: statusColor[session.status] ?? ink,
  });
  layout.line(`Generated ${formatInstant(data.generatedAt)} by ${data.generatedBy}. Not stored by the console.`, {
    size: 8.5,
    color: muted,
  });

  layout.heading('Session and decision');
  layout.facts([
    ['Session id', session.id, { font: 'mono', size: 9 }],
    ['Session number', session.sessionNumber === null ? 'none' : String(session.sessionNumber)],
    ['Workflow', `${session.workflowLabel ?? 'Unknown'} (${session.workflowId ?? 'no id'})`],
    ['Status', session.status, { font: 'bold', color: statusColor[session.status] ?? ink }],
    ['Liveness status', session.livenessStatus ?? 'none'],
    ['Face match status', session.faceMatchStatus ?? (data.scores.hasFaceMatch ? 'none' : 'not part of this workflow')],
    ['Liveness method', session.livenessMethod ?? 'none'],
    ['Created', formatInstant(session.createdAt)],
    ['Decided at', formatInstant(session.decidedAt)],
    ['Decided by', session.decidedBy ?? 'not recorded'],
    ['Decision source', session.decisionSource],
    ['Reason', session.decisionReason ?? 'none given'],
    ...(session.decisionComment ? [['Comment at Didit', session.decisionComment] as [string, string]] : []),
    ['Push to Didit', session.pushState ?? 'none (not decided in the console)'],
    ...(session.personalDataRemovedAt
      ? [
          [
            'Personal data',
            `Removed by retention on ${formatInstant(session.personalDataRemovedAt)}: images, decision record and notes may no longer be held.`,
          ] as [string, string],
        ]
      : []),
  ]);

  layout.heading('Scores and thresholds');
  layout.facts([
    ['Scored under', `${versionLabel(data.scoredUnder)} (${data.scoredUnder.source})`],
    ['In force now', `${versionLabel(data.inForceNow)} (${data.inForceNow.source})`],
  ]);
  layout.space(4);
  const thresholdColumns = [
    { header: 'Check', width: 85 },
    { header: 'Score', width: 50 },
    { header: 'Didit status', width: 80 },
    { header: `Scored under (${versionLabel(data.scoredUnder)})`, width: 140 },
    { header: `In force now (${versionLabel(data.inForceNow)})`, width: CONTENT_WIDTH - 355 },
  ];
  const scoreRows = [
    [
      'Liveness',
      score(data.scores.liveness),
      session.livenessStatus ?? 'none',
      pair(data.scoredUnder.livenessReview, data.scoredUnder.livenessDecline),
      pair(data.inForceNow.livenessReview, data.inForceNow.livenessDecline),
    ],
  ];
  if (data.scores.hasFaceMatch || data.scores.faceMatch !== null) {
    scoreRows.push([
      'Face match',
      score(data.scores.faceMatch),
      session.faceMatchStatus ?? 'none',
      pair(data.scoredUnder.faceMatchReview, data.scoredUnder.faceMatchDecline),
      pair(data.inForceNow.faceMatchReview, data.inForceNow.faceMatchDecline),
    ]);
  }
  layout.table(thresholdColumns, scoreRows);
  layout.paragraph(
    'Didit approves a score above the review threshold, sends it to review at or below it, and declines it at or below the decline threshold.',
    { size: 8.5, color: muted },
  );

  layout.heading(`Warnings (${data.warnings.length})`);
  if (data.warnings.length === 0) layout.paragraph('Didit reported no warnings.', { color: muted });
  for (const warning of data.warnings) {
    layout.ensure(30);
    layout.line(`${warning.risk}${warning.feature ? `  (${warning.feature})` : ''}`, { font: 'bold' });
    const text = [warning.shortDescription, warning.longDescription].filter((part): part is string => Boolean(part));
    const unique = text.filter((part, i) => text.indexOf(part) === i);
    layout.paragraph(unique.length > 0 ? unique.join(' - ') : 'No description given.', { indent: 12, color: muted });
    layout.space(3);
  }

  layout.heading(`Review timeline (${data.timeline.length} events)`);
  if (data.timeline.length === 0) layout.paragraph('No events recorded.', { color: muted });
  for (const entry of data.timeline) {
    layout.ensure(32);
    layout.line(`${formatInstant(entry.at)}   ${entry.title}`, { font: 'bold' });
    const meta = [
      entry.source === 'didit' ? 'from Didit' : entry.actor ? `by ${entry.actor}` : null,
      entry.reason ? `reason: ${entry.reason}` : null,
      entry.push ? `push: ${entry.push}` : null,
    ].filter(Boolean);
    if (meta.length > 0) layout.paragraph(meta.join('  ·  '), { indent: 12, color: muted, size: 8.5 });
    if (entry.note !== null) layout.paragraph(`Note: ${entry.note}`, { indent: 12 });
    else if (entry.noteRemovedAt) {
      layout.paragraph(`Note: [the text of this note was removed by retention on ${formatInstant(entry.noteRemovedAt)}]`, {
        indent: 12,
        color: muted,
      });
    }
    layout.space(3);
  }

  const shown = data.audit.entries.length;
  layout.heading(`Audit entries of this session (${data.audit.total})`);
  if (shown < data.audit.total) {
    layout.paragraph(`The first ${shown} of ${data.audit.total} entries, oldest first; the audit page lists all of them.`, {
      color: muted,
    });
  }
  if (shown === 0) layout.paragraph('No audit entries name this session.', { color: muted });
  for (const entry of data.audit.entries) {
    layout.ensure(32);
    layout.line(`${formatInstant(entry.at)}   ${entry.action}`, { font: 'bold' });
    layout.paragraph(`#${entry.id}  ·  by ${entry.actor}${entry.details ? `  ·  ${entry.details}` : ''}`, {
      indent: 12,
      color: muted,
      size: 8.5,
    });
    layout.paragraph(`hash ${entry.hash}`, { indent: 12, color: muted, size: 7.5, font: 'mono' });
    layout.space(2);
  }

  layout.heading('Images');
  layout.paragraph(
    data.embedImages
      ? "The workflow's policy embeds the images below. Hashes are SHA-256 of the bytes Didit served at generation time."
      : "Hashes only: the workflow's policy does not embed images. Hashes are SHA-256 of the bytes Didit served at generation time.",
    { size: 8.5, color: muted },
  );
  layout.space(3);
  layout.table(
    [
      { header: 'Image', width: 60 },
      { header: 'SHA-256', width: 320, style: { font: 'mono', size: 8 } },
      { header: 'Size', width: CONTENT_WIDTH - 380 },
    ],
    data.images.map((image) => [
      image.kind === 'selfie' ? 'Selfie' : 'Portrait',
      image.sha256 ?? image.unavailable ?? 'not available',
      image.byteLength === null ? '' : `${image.byteLength} bytes${image.contentType ? `, ${image.contentType}` : ''}`,
    ]),
  );
  let imagesIncluded = false;
  if (data.embedImages) {
    const embedded: Array<{ image: PDFImage; caption: string }> = [];
    for (const image of data.images) {
      if (!image.bytes) continue;
      const picture = await embedPicture(doc, image.bytes);
      if (picture) embedded.push({ image: picture, caption: image.kind === 'selfie' ? 'Selfie' : 'Reference portrait' });
    }
    layout.space(6);
    layout.images(embedded);
    imagesIncluded = embedded.length > 0;
  }

  layout.space(8);
  layout.paragraph(
    "This document was generated on request from the console's records and is not stored by the console. Its generation is recorded in the audit trail as session.evidence_pack_generated, with the SHA-256 of this file.",
    { size: 8, color: muted },
  );

  // Footers last: only now is the page count known.
  const footer = `Generated ${formatInstant(data.generatedAt)} by ${data.generatedBy} · session ${session.id}`;
  layout.pages.forEach((page, i) => {
    page.drawLine({
      start: { x: MARGIN_X, y: 44 },
      end: { x: PAGE_WIDTH - MARGIN_X, y: 44 },
      thickness: 0.5,
      color: rule,
    });
    const numbering = `Page ${i + 1} of ${layout.pages.length}`;
    const numberingWidth = fonts.regular.widthOfTextAtSize(numbering, 8);
    const [footerLine] = wrapText(fonts.regular, 8, footer, CONTENT_WIDTH - numberingWidth - 16);
    page.drawText(footerLine ?? '', { x: MARGIN_X, y: 32, size: 8, font: fonts.regular, color: muted });
    page.drawText(numbering, { x: PAGE_WIDTH - MARGIN_X - numberingWidth, y: 32, size: 8, font: fonts.regular, color: muted });
  });

  const bytes = await doc.save({ useObjectStreams: false });
  return {
    bytes,
    pages: layout.pages.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    imagesIncluded,
  };
}

/** A JPEG or PNG (told by its first bytes) embedded in the document; null for anything else or broken data. */
async function embedPicture(doc: PDFDocument, bytes: Uint8Array): Promise<PDFImage | null> {
  try {
    if (bytes[0] === 0xff && bytes[1] === 0xd8) return await doc.embedJpg(bytes);
    if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return await doc.embedPng(bytes);
  } catch {
    // A broken image is left out; its hash is still in the table.
  }
  return null;
}
