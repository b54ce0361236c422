/**
 * Synthetic faces, drawn procedurally and encoded with jpeg-js: nothing is downloaded and no
 * real person is depicted. A person's traits (skin, hair, eyes, face shape, glasses) come from a
 * hash of their identity, so the reference portrait and a selfie of the same person look alike;
 * the shot's seed only moves framing, background and light. A spoof is the same selfie shown on
 * a screen (bezel, moiré, glare), which is what a replay attack looks like to a camera.
 */
import jpeg from 'jpeg-js';
import { hashString, mulberry32, pick, randomBetween, type Random } from './prng.ts';

export type ShotKind = 'portrait' | 'selfie' | 'screen' | 'empty' | 'dim';

export interface FaceShot {
  kind: ShotKind;
  /** Whose face; ignored for 'empty'. */
  person: string;
  /** Varies framing and light between shots of the same person. */
  seed: number;
}

type Rgb = readonly [number, number, number];

const WIDTH = 240;
const HEIGHT = 300;

const SKIN: readonly Rgb[] = [
  [255, 224, 196],
  [241, 194, 160],
  [224, 172, 130],
  [198, 134, 96],
  [141, 85, 54],
  [96, 58, 38],
];
const HAIR: readonly Rgb[] = [
  [30, 24, 20],
  [70, 45, 30],
  [120, 80, 45],
  [200, 160, 90],
  [150, 60, 30],
  [180, 180, 180],
];
const IRIS: readonly Rgb[] = [
  [70, 45, 25],
  [40, 90, 140],
  [60, 110, 70],
  [110, 80, 50],
];
const CLOTHES: readonly Rgb[] = [
  [40, 60, 110],
  [120, 30, 40],
  [50, 50, 55],
  [200, 200, 205],
  [30, 100, 80],
  [190, 140, 60],
];

interface Traits {
  skin: Rgb;
  hair: Rgb;
  iris: Rgb;
  clothes: Rgb;
  hairStyle: 'short' | 'long' | 'buzz' | 'curly';
  faceRx: number;
  faceRy: number;
  eyeGap: number;
  mouthWidth: number;
  glasses: boolean;
}

function traitsOf(person: string): Traits {
  const rng = mulberry32(hashString(`face:${person}`));
  return {
    skin: pick(rng, SKIN),
    hair: pick(rng, HAIR),
    iris: pick(rng, IRIS),
    clothes: pick(rng, CLOTHES),
    hairStyle: pick(rng, ['short', 'long', 'buzz', 'curly'] as const),
    faceRx: randomBetween(rng, 50, 62, 0),
    faceRy: randomBetween(rng, 66, 80, 0),
    eyeGap: randomBetween(rng, 18, 26, 0),
    mouthWidth: randomBetween(rng, 12, 22, 0),
    glasses: rng() < 0.2,
  };
}

class Canvas {
  readonly data: Buffer;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = Buffer.alloc(width * height * 4, 255);
  }

  set(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 4;
    this.data[i] = clamp(c[0]);
    this.data[i + 1] = clamp(c[1]);
    this.data[i + 2] = clamp(c[2]);
  }

  get(x: number, y: number): Rgb {
    const i = (y * this.width + x) * 4;
    return [this.data[i] ?? 0, this.data[i + 1] ?? 0, this.data[i + 2] ?? 0];
  }

  /** Fills an ellipse; `shade` darkens towards the rim for a little volume. */
  ellipse(cx: number, cy: number, rx: number, ry: number, c: Rgb, opts: { shade?: number; clipY?: number } = {}): void {
    for (let y = Math.floor(cy - ry); y <= Math.ceil(cy + ry); y++) {
      if (opts.clipY !== undefined && y > opts.clipY) break;
      for (let x = Math.floor(cx - rx); x <= Math.ceil(cx + rx); x++) {
        const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
        if (d > 1) continue;
        const k = 1 - (opts.shade ?? 0) * d;
        this.set(x, y, [c[0] * k, c[1] * k, c[2] * k]);
      }
    }
  }

  ring(cx: number, cy: number, rx: number, ry: number, thickness: number, c: Rgb): void {
    for (let y = Math.floor(cy - ry - thickness); y <= Math.ceil(cy + ry + thickness); y++) {
      for (let x = Math.floor(cx - rx - thickness); x <= Math.ceil(cx + rx + thickness); x++) {
        const d = Math.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2);
        if (Math.abs(d - 1) * Math.min(rx, ry) <= thickness / 2) this.set(x, y, c);
      }
    }
  }

  rect(x0: number, y0: number, w: number, h: number, c: Rgb): void {
    for (let y = Math.floor(y0); y < y0 + h; y++) for (let x = Math.floor(x0); x < x0 + w; x++) this.set(x, y, c);
  }

  map(fn: (c: Rgb, x: number, y: number) => Rgb): void {
    for (let y = 0; y < this.height; y++) for (let x = 0; x < this.width; x++) this.set(x, y, fn(this.get(x, y), x, y));
  }
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function background(canvas: Canvas, rng: Random, studio: boolean): void {
  const top: Rgb = studio
    ? [222, 228, 236]
    : [randomBetween(rng, 90, 200, 0), randomBetween(rng, 90, 190, 0), randomBetween(rng, 80, 180, 0)];
  const bottom: Rgb = studio ? [196, 204, 214] : mix(top, [40, 40, 45], 0.5);
  canvas.map((_, __, y) => mix(top, bottom, y / canvas.height));
  if (!studio) {
    // A door or shelf edge so selfies are not studio-clean.
    const x = randomBetween(rng, 10, canvas.width - 40, 0);
    canvas.rect(x, 0, randomBetween(rng, 8, 30, 0), canvas.height, mix(top, [255, 255, 255], 0.25));
  }
}

function drawPerson(canvas: Canvas, t: Traits, cx: number, cy: number, scale: number): void {
  const rx = t.faceRx * scale;
  const ry = t.faceRy * scale;
  const neck = mix(t.skin, [0, 0, 0], 0.15);
  if (t.hairStyle === 'long') canvas.ellipse(cx, cy + ry * 0.35, rx * 1.3, ry * 1.25, t.hair, { shade: 0.2 });
  if (t.hairStyle === 'curly') canvas.ellipse(cx, cy - ry * 0.15, rx * 1.45, ry * 1.2, t.hair, { shade: 0.25 });
  canvas.ellipse(cx, cy + ry * 2.1, rx * 2.2, ry * 1.0, t.clothes, { shade: 0.3 });
  canvas.rect(cx - rx * 0.38, cy + ry * 0.6, rx * 0.76, ry * 0.75, neck);
  canvas.ellipse(cx - rx, cy + ry * 0.05, rx * 0.16, ry * 0.2, neck);
  canvas.ellipse(cx + rx, cy + ry * 0.05, rx * 0.16, ry * 0.2, neck);
  canvas.ellipse(cx, cy, rx, ry, t.skin, { shade: 0.22 });
  if (t.hairStyle !== 'buzz')
    canvas.ellipse(cx, cy - ry * 0.45, rx * 1.06, ry * 0.62, t.hair, { shade: 0.15, clipY: cy - ry * 0.5 });
  else canvas.ellipse(cx, cy - ry * 0.55, rx * 0.98, ry * 0.48, mix(t.hair, t.skin, 0.5), { clipY: cy - ry * 0.62 });
  const eyeY = cy - ry * 0.12;
  const gap = t.eyeGap * scale;
  for (const side of [-1, 1]) {
    const ex = cx + side * gap;
    canvas.ellipse(ex, eyeY, 10 * scale, 5.5 * scale, [245, 245, 240]);
    canvas.ellipse(ex, eyeY, 4.5 * scale, 4.5 * scale, t.iris);
    canvas.ellipse(ex, eyeY, 2 * scale, 2 * scale, [15, 15, 15]);
    canvas.rect(ex - 11 * scale, eyeY - 13 * scale, 22 * scale, 3 * scale, mix(t.hair, [0, 0, 0], 0.3));
    if (t.glasses) canvas.ring(ex, eyeY, 14 * scale, 10 * scale, 2.2 * scale, [25, 25, 30]);
  }
  if (t.glasses) canvas.rect(cx - gap + 14 * scale, eyeY - scale, (gap - 14 * scale) * 2, 2 * scale, [25, 25, 30]);
  canvas.ellipse(cx, cy + ry * 0.18, 5 * scale, 9 * scale, mix(t.skin, [0, 0, 0], 0.18));
  canvas.ellipse(cx, cy + ry * 0.48, t.mouthWidth * scale, 4.5 * scale, mix(t.skin, [170, 40, 50], 0.55));
}

function render(shot: FaceShot): Canvas {
  const rng = mulberry32((shot.seed ^ hashString(shot.kind)) >>> 0);
  if (shot.kind === 'screen') return renderScreen(shot, rng);
  const canvas = new Canvas(WIDTH, HEIGHT);
  const studio = shot.kind === 'portrait';
  background(canvas, rng, studio);
  if (shot.kind === 'empty') {
    canvas.ellipse(randomBetween(rng, 40, 200, 0), 30, 40, 14, [250, 250, 235]);
    return canvas;
  }
  const jitter = studio ? 0 : 14;
  const cx = WIDTH / 2 + randomBetween(rng, -jitter, jitter, 0);
  const cy = HEIGHT * 0.42 + randomBetween(rng, -jitter, jitter, 0);
  drawPerson(canvas, traitsOf(shot.person), cx, cy, studio ? 1 : randomBetween(rng, 0.92, 1.1));
  const light = studio ? 1 : randomBetween(rng, 0.85, 1.12);
  const dim = shot.kind === 'dim';
  const noise = dim ? 38 : studio ? 3 : 8;
  canvas.map((c) => {
    const k = dim ? 0.45 : light;
    const n = (rng() - 0.5) * noise;
    return [c[0] * k + n, c[1] * k + n, c[2] * k + n];
  });
  return canvas;
}

/** A selfie of the person replayed on a phone screen held up to the camera. */
function renderScreen(shot: FaceShot, rng: Random): Canvas {
  const inner = render({ kind: 'selfie', person: shot.person, seed: shot.seed });
  const canvas = new Canvas(WIDTH, HEIGHT);
  background(canvas, rng, false);
  const x0 = 28;
  const y0 = 24;
  const w = WIDTH - 56;
  const h = HEIGHT - 48;
  canvas.rect(x0 - 10, y0 - 16, w + 20, h + 32, [18, 18, 22]);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = inner.get(Math.floor((x * WIDTH) / w), Math.floor((y * HEIGHT) / h));
      const moire = 0.82 + 0.18 * Math.sin((x + y * 0.35) * 1.7) * Math.sin(y * 0.9);
      const glare = Math.max(0, 1 - Math.abs(x - y * 0.6 - w * 0.25) / 30) * 90;
      const blue: Rgb = [src[0] * 0.85, src[1] * 0.92, src[2] * 1.08 + 12];
      canvas.set(x0 + x, y0 + y, [blue[0] * moire + glare, blue[1] * moire + glare, blue[2] * moire + glare]);
    }
  }
  canvas.ellipse(WIDTH / 2, y0 - 8, 4, 4, [60, 60, 70]);
  return canvas;
}

/** Renders a shot as a baseline JPEG. */
export function renderFaceJpeg(shot: FaceShot, quality = 82): Buffer {
  const canvas = render(shot);
  return jpeg.encode({ data: canvas.data, width: canvas.width, height: canvas.height }, quality).data;
}
