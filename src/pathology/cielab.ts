import { invert3 } from './matrix3.ts';

/**
 * sRGB ↔ CIE 1976 L*a*b* (D65), with the constants torchstain's numpy Reinhard uses
 * (EIDOSLAB/torchstain torchstain/numpy/utils/rgb2lab.py and lab2rgb.py, commit c94179d): sRGB
 * companding, the sRGB→XYZ matrix from bikz05's gist (0.412453, 0.357580, …), white point
 * (0.95047, 1, 1.08883), and the 7.787·t + 16/116 linear segment below (6/29)³. torchstain also scales
 * to OpenCV's 8-bit ranges (L·2.55, a + 128, b + 128) and back before computing statistics, which
 * cancels out; here values stay in CIE units: L* in [0, 100], a* and b* around 0.
 */

const RGB_TO_XYZ = [
  [0.412453, 0.35758, 0.180423],
  [0.212671, 0.71516, 0.072169],
  [0.019334, 0.119193, 0.950227],
] as const;
const WHITE = [0.95047, 1, 1.08883] as const;

const XYZ_TO_RGB = invert3(RGB_TO_XYZ);

/** sRGB byte to linear light, as a 256-entry table. */
const LINEAR = (() => {
  const t = new Float64Array(256);
  for (let v = 0; v < 256; v++) {
    const c = v / 255;
    t[v] = c > 0.04045 ? ((c + 0.055) / 1.055) ** 2.4 : c / 12.92;
  }
  return t;
})();

function f(t: number): number {
  return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116;
}

function fInverse(t: number): number {
  return t > 0.2068966 ? t * t * t : (t - 16 / 116) / 7.787;
}

function compand(c: number): number {
  return c > 0.0031308 ? 1.055 * c ** (1 / 2.4) - 0.055 : 12.92 * c;
}

/** Packed sRGB bytes to interleaved L*, a*, b* (CIE units). */
export function rgbToLab(rgb: Uint8Array): Float64Array {
  const lab = new Float64Array(rgb.length);
  const [[m00, m01, m02], [m10, m11, m12], [m20, m21, m22]] = RGB_TO_XYZ;
  for (let p = 0; p < rgb.length; p += 3) {
    const r = LINEAR[rgb[p]!]!;
    const g = LINEAR[rgb[p + 1]!]!;
    const b = LINEAR[rgb[p + 2]!]!;
    const fx = f((m00 * r + m01 * g + m02 * b) / WHITE[0]);
    const fy = f((m10 * r + m11 * g + m12 * b) / WHITE[1]);
    const fz = f((m20 * r + m21 * g + m22 * b) / WHITE[2]);
    lab[p] = 116 * fy - 16;
    lab[p + 1] = 500 * (fx - fy);
    lab[p + 2] = 200 * (fy - fz);
  }
  return lab;
}

function toByte(linear: number): number {
  const v = compand(linear);
  return Math.round(255 * (v < 0 ? 0 : v > 1 ? 1 : v));
}

/** Interleaved L*, a*, b* back to packed sRGB bytes; out-of-gamut colours are clipped, then rounded. */
export function labToRgb(lab: Float64Array): Uint8Array {
  const rgb = new Uint8Array(lab.length);
  const [[m00, m01, m02], [m10, m11, m12], [m20, m21, m22]] = XYZ_TO_RGB as [[number, number, number], [number, number, number], [number, number, number]];
  for (let p = 0; p < lab.length; p += 3) {
    const fy = (lab[p]! + 16) / 116;
    const fx = lab[p + 1]! / 500 + fy;
    const fz = fy - lab[p + 2]! / 200;
    const x = fInverse(fx) * WHITE[0];
    const y = fInverse(fy) * WHITE[1];
    const z = fInverse(fz) * WHITE[2];
    rgb[p] = toByte(m00 * x + m01 * y + m02 * z);
    rgb[p + 1] = toByte(m10 * x + m11 * y + m12 * z);
    rgb[p + 2] = toByte(m20 * x + m21 * y + m22 * z);
  }
  return rgb;
}
