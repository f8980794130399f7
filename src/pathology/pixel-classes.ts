/**
 * Per-pixel labels shared by tile QC and tile features: tissue, pen ink, or neither (glass, dust).
 *
 * White and grey follow slideflow's tile filters (slide/wsi.py): white is mean RGB > 230, grey is HSV
 * saturation < 0.05. Tissue is what is neither. A saturation mask alone calls pen ink tissue (the
 * histolab pen-only tiles are 0.74–0.79 "tissue"), so ink is labelled by hue first. The bands were read
 * off the fixtures in tests/fixtures/tiles (pixels with S ≥ 0.15 that are not white):
 *
 * - H&E: on the tissue fixtures 99 % of such pixels lie between 227° and 15°, through 360° (purple to
 *   pink; the low end is the blue-heavy torchstain target). The adipose tile adds yellow and green
 *   specks, yet at most 0.35 % of any H&E tile falls in 70°–220°.
 * - Green and blue ink: 70°–220°. The pen-only green tile is 150°–180°; green ink over tissue mixes
 *   into 150°–240°, so the band stops short of the bluest haematoxylin.
 * - Red ink shares eosin's hue and is told apart by saturation as well: 345°–15° with S ≥ 0.45. Eosin
 *   mostly stays below 345°, and on the fixtures few eosin pixels reach S 0.6–0.7 (99th percentile),
 *   while red ink reaches 0.88. Red blood cells look like the ink (0.7 % of the densest tumour tile,
 *   3.5 % of the aorta tile), which is why tile QC tolerates a few percent of "pen".
 */

export const PixelClass = { OTHER: 0, TISSUE: 1, PEN: 2 } as const;
export type PixelClass = (typeof PixelClass)[keyof typeof PixelClass];

export interface PixelClassOptions {
  /** Mean of R, G, B above which a pixel is white glass (slideflow: 230). */
  whiteMean?: number;
  /** HSV saturation below which a pixel is grey (slideflow: 0.05). */
  greySaturation?: number;
  /** Hue band [from, to) in degrees of green and blue ink. */
  greenBlueInkHue?: readonly [number, number];
  /** Minimum saturation of green and blue ink. */
  greenBlueInkSaturation?: number;
  /** Hue band [from, to) of red ink; from > to wraps through 0° (345° to 15°). */
  redInkHue?: readonly [number, number];
  /** Minimum saturation of red ink (above most eosin). */
  redInkSaturation?: number;
}

export const PIXEL_CLASS_DEFAULTS: Required<PixelClassOptions> = {
  whiteMean: 230,
  greySaturation: 0.05,
  greenBlueInkHue: [70, 220],
  greenBlueInkSaturation: 0.15,
  redInkHue: [345, 15],
  redInkSaturation: 0.45,
};

export interface PixelClasses {
  /** One PixelClass per pixel. */
  classes: Uint8Array;
  pixels: number;
  white: number;
  grey: number;
  tissue: number;
  pen: number;
}

/** Labels every pixel of packed RGB as tissue, pen ink or other, and counts white and grey pixels. */
export function classifyPixels(rgb: Uint8Array, pixels: number, options: PixelClassOptions = {}): PixelClasses {
  const o = { ...PIXEL_CLASS_DEFAULTS, ...options };
  const whiteSum = 3 * o.whiteMean;
  const [gbFrom, gbTo] = o.greenBlueInkHue;
  const [redFrom, redTo] = o.redInkHue;
  const redWraps = redFrom > redTo;
  const inkSaturation = Math.min(o.greenBlueInkSaturation, o.redInkSaturation);
  const classes = new Uint8Array(pixels);
  let white = 0;
  let grey = 0;
  let tissue = 0;
  let pen = 0;
  for (let i = 0, p = 0; i < pixels; i++, p += 3) {
    const r = rgb[p]!;
    const g = rgb[p + 1]!;
    const b = rgb[p + 2]!;
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    const min = r < g ? (r < b ? r : b) : g < b ? g : b;
    const delta = max - min;
    const s = max === 0 ? 0 : delta / max;
    const isWhite = r + g + b > whiteSum;
    const isGrey = s < o.greySaturation;
    if (isWhite) white++;
    if (isGrey) grey++;
    if (isWhite || isGrey) continue;
    if (s >= inkSaturation) {
      let h: number;
      if (max === r) h = (60 * (g - b)) / delta;
      else if (max === g) h = 120 + (60 * (b - r)) / delta;
      else h = 240 + (60 * (r - g)) / delta;
      if (h < 0) h += 360;
      const greenBlue = s >= o.greenBlueInkSaturation && h >= gbFrom && h < gbTo;
      const red = s >= o.redInkSaturation && (redWraps ? h >= redFrom || h < redTo : h >= redFrom && h < redTo);
      if (greenBlue || red) {
        classes[i] = PixelClass.PEN;
        pen++;
        continue;
      }
    }
    classes[i] = PixelClass.TISSUE;
    tissue++;
  }
  return { classes, pixels, white, grey, tissue, pen };
}
