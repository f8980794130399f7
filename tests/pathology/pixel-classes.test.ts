import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyPixels, PixelClass } from '../../src/pathology/pixel-classes.ts';

function classOf(rgb: [number, number, number], options = {}): number {
  return classifyPixels(new Uint8Array(rgb), 1, options).classes[0]!;
}

test('stains are tissue, inks are pen, glass is neither', () => {
  assert.equal(classOf([120, 60, 150]), PixelClass.TISSUE); // haematoxylin purple, hue 280°
  assert.equal(classOf([220, 140, 190]), PixelClass.TISSUE); // eosin pink, hue 322°, S 0.36
  assert.equal(classOf([90, 90, 170]), PixelClass.TISSUE); // bluish haematoxylin, hue 240°
  assert.equal(classOf([40, 170, 120]), PixelClass.PEN); // green ink, hue 157°
  assert.equal(classOf([60, 110, 200]), PixelClass.PEN); // blue ink, hue 219°
  assert.equal(classOf([200, 40, 60]), PixelClass.PEN); // red ink, hue 352°, S 0.8
  assert.equal(classOf([200, 112, 130]), PixelClass.TISSUE); // hue 348° but S 0.44: eosin-like, not ink
  assert.equal(classOf([240, 240, 240]), PixelClass.OTHER); // white
  assert.equal(classOf([100, 100, 102]), PixelClass.OTHER); // grey, S 0.02
});

test('white and grey are counted separately and may overlap', () => {
  const c = classifyPixels(new Uint8Array([240, 240, 240, 235, 200, 220, 100, 100, 102, 120, 60, 150]), 4);
  // (240,240,240) is white and grey; (235,200,220) has mean 218 ≤ 230, so it is pale tissue;
  // (100,100,102) is grey; (120,60,150) is tissue
  assert.deepEqual([c.white, c.grey, c.tissue, c.pen], [1, 2, 2, 0]);
});

test('hue bands are options, and a red band may or may not wrap through 0°', () => {
  assert.equal(classOf([40, 170, 120], { greenBlueInkHue: [0, 0] }), PixelClass.TISSUE);
  assert.equal(classOf([200, 40, 60], { redInkHue: [340, 360] }), PixelClass.PEN);
  assert.equal(classOf([200, 40, 60], { redInkHue: [0, 20] }), PixelClass.TISSUE);
});
