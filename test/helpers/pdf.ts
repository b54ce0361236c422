import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';

/**
 * Reading a PDF as a person would (issue 20), with poppler-utils (`apt-get install poppler-utils`):
 * its text (`pdftotext`), a page as a PNG (`pdftoppm`), and how much of that page is ink.
 */

const run = promisify(execFile);

async function withPdf<T>(bytes: Uint8Array, work: (file: string, dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pdf-test-'));
  try {
    const file = path.join(dir, 'in.pdf');
    await writeFile(file, bytes);
    return await work(file, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The PDF's text, every page, as `pdftotext` reads it (optionally one page range). */
export function pdfText(bytes: Uint8Array, pages?: { first: number; last: number }): Promise<string> {
  return withPdf(bytes, async (file) => {
    const range = pages ? ['-f', String(pages.first), '-l', String(pages.last)] : [];
    const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', ...range, file, '-'], { maxBuffer: 32 * 1024 * 1024 });
    return stdout;
  });
}

/** Page `page` rendered as a PNG at `dpi` by `pdftoppm -png -r <dpi> -f <page> -l <page>`. */
export function pdfPageToPng(bytes: Uint8Array, { page = 1, dpi = 50 } = {}): Promise<Buffer> {
  return withPdf(bytes, async (file, dir) => {
    const prefix = path.join(dir, 'page');
    await run('pdftoppm', ['-png', '-r', String(dpi), '-f', String(page), '-l', String(page), '-singlefile', file, prefix]);
    return readFile(`${prefix}.png`);
  });
}

/** The images `pdfimages -list` finds in the PDF (one per row after its two header lines). */
export function pdfImageCount(bytes: Uint8Array): Promise<number> {
  return withPdf(bytes, async (file) => {
    const { stdout } = await run('pdfimages', ['-list', file]);
    return stdout.trim().split('\n').slice(2).length;
  });
}

/** A PNG's size and the share of its pixels darker than light grey (0 for a blank page). */
export function pngInk(png: Buffer): { width: number; height: number; inkShare: number } {
  if (png.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new Error('not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const bitDepth = data[8];
      const colorType = data[9];
      if (bitDepth !== 8 || data[12] !== 0) throw new Error('only 8-bit, non-interlaced PNGs');
      channels = colorType === 2 ? 3 : colorType === 0 ? 1 : colorType === 6 ? 4 : colorType === 4 ? 2 : 0;
      if (channels === 0) throw new Error(`colour type ${colorType} not handled`);
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const upLeft = y > 0 && x >= channels ? pixels[(y - 1) * stride + x - channels]! : 0;
      let predictor = 0;
      if (filter === 1) predictor = left;
      else if (filter === 2) predictor = up;
      else if (filter === 3) predictor = Math.floor((left + up) / 2);
      else if (filter === 4) {
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        predictor = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      }
      pixels[y * stride + x] = (row[x]! + predictor) & 0xff;
    }
  }
  let ink = 0;
  const colour = Math.min(channels, 3);
  for (let i = 0; i < width * height; i++) {
    let sum = 0;
    for (let c = 0; c < colour; c++) sum += pixels[i * channels + c]!;
    if (sum / colour < 200) ink++;
  }
  return { width, height, inkShare: ink / (width * height) };
}
