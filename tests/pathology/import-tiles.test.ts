import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { colourMomentWeights, writeColourMomentEncoder } from '../../src/pathology/colour-moment-encoder.ts';
import { encoderInput } from '../../src/pathology/onnx-encoder.ts';
import { normalizeMacenko } from '../../src/pathology/macenko.ts';
import { decodeTile } from '../../src/pathology/decode-tile.ts';
import { extractTileFeatures, TILE_FEATURES_VERSION } from '../../src/pathology/tile-features.ts';
import type { Database } from '../../src/storage/port.ts';
import { buildTestApp, gql, bearer } from '../helpers/app.ts';
import { testDatabases } from '../helpers/databases.ts';
import { fixture } from '../helpers/fixtures.ts';

/**
 * Tile import through the service and GraphQL on both databases: QC outcomes per fixture, the
 * stored embedding equal to the pipeline run by hand, all-or-nothing batches, and an ONNX encoder
 * the project builds (checked against the same arithmetic done in TypeScript).
 */

const HISTOLAB = new URL('../fixtures/tiles/histolab/', import.meta.url);
const histolab = readdirSync(HISTOLAB).filter((f) => f.endsWith('.png')).sort();
const tileFiles = (names: readonly string[]) => names.map((name) => ({ name, bytes: readFileSync(new URL(name, HISTOLAB)) }));
const PATIENT = 'mCODETrialMatchingPatientExample01';

const SLIDES = `query($id: ID!) { patient(id: $id) { slides { id tileCount kept rejected { reason count } encoder embeddingDim } } }`;

for (const target of testDatabases()) {
  describe(`tile import on ${target.name}`, () => {
    let db: Database;
    let site: ReturnType<typeof buildTestApp>;
    const dirs: string[] = [];
    before(async () => {
      db = await target.open();
      site = buildTestApp(db, { tileThreads: 2 });
      await site.clinical.importBundle(fixture('fhir/TrialMatching_Patient01.json'), 'test');
    });
    after(async () => {
      await site.pathology.close();
      await db.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    it('stores every histolab fixture with its QC outcome, and embeddings equal to the pipeline run by hand', async () => {
      const result = await site.pathology.importTiles(tileFiles(histolab), { patientId: PATIENT, slideId: 'histolab', source: 'test' });
      assert.equal(result.tiles, histolab.length);
      const res = await gql(site, SLIDES, { id: PATIENT });
      const [slide] = res.body.data.patient.slides;
      assert.equal(slide.id, 'histolab');
      assert.equal(slide.tileCount, histolab.length);
      assert.equal(slide.kept, result.kept);
      assert.equal(slide.encoder, `builtin-features@${TILE_FEATURES_VERSION}`);
      assert.equal(slide.embeddingDim, 30);
      const rejected = Object.fromEntries(slide.rejected.map((r: { reason: string; count: number }) => [r.reason, r.count]));
      const rows = await db.query<{ name: string; kept: boolean; reason: string }>("SELECT name, kept, reason FROM tile WHERE slide_id = 'histolab' ORDER BY name");
      // the fixtures that hold no tissue, or only pen ink, are never kept
      for (const name of ['no-tissue.png', 'no-tissue2.png', 'no-tissue-line.png', 'almost-white-1.png', 'almost-white-2.png', 'no-tissue-red-pen.png', 'no-tissue-green-pen.png']) {
        assert.equal(rows.rows.find((r) => r.name === name)?.kept, false, name);
      }
      assert.equal(rows.rows.find((r) => r.name === 'no-tissue-red-pen.png')?.reason, 'pen');
      for (const name of ['tissue-level0-4302-10273-4814-10785.png', 'tissue-level0-7352-11762-7864-12274.png', 'tissue-level2-3000-7666-7096-11763.png', 'high-nuclei-score-level0.png']) {
        assert.equal(rows.rows.find((r) => r.name === name)?.kept, true, name);
      }
      assert.equal(Object.values(rejected).reduce((a, b) => (a as number) + (b as number), 0), histolab.length - result.kept);

      // the stored vector is the built-in features of the Macenko-normalised tile, to float4 precision
      const bag = await site.pathology.slideEmbeddings(PATIENT, 'histolab');
      const name = 'tissue-level0-4302-10273-4814-10785.png';
      const tile = await decodeTile(readFileSync(new URL(name, HISTOLAB)), name);
      const expected = extractTileFeatures(normalizeMacenko(tile.rgb).rgb, tile.width, tile.height);
      const i = bag.names.indexOf(name);
      assert.deepEqual(Array.from(bag.data.subarray(i * bag.dim, (i + 1) * bag.dim)), Array.from(expected));
    });

    it('rejects a batch with a corrupt file, a wrong type or a decompression bomb, naming each file, and stores nothing', async () => {
      const good = tileFiles(histolab.slice(0, 3));
      const png = readFileSync(new URL(histolab[0]!, HISTOLAB));
      const bad = [
        ...good,
        { name: 'cut.png', bytes: png.subarray(0, Math.floor(png.length / 2)) },
        { name: 'notes.png', bytes: Buffer.from('this is not an image') },
        { name: 'bomb.png', bytes: await bombPng() },
      ];
      await assert.rejects(site.pathology.importTiles(bad, { patientId: PATIENT, slideId: 'bad-batch', source: 'test' }), (err: Error & { issues?: { file: string; message: string }[] }) => {
        assert.match(err.message, /3 of 6 tile files cannot be used; nothing was stored/);
        assert.deepEqual(err.issues?.map((i) => i.file).sort(), ['bomb.png', 'cut.png', 'notes.png']);
        assert.match(err.issues?.find((i) => i.file === 'bomb.png')?.message ?? '', /bomb\.png: .*pixel/);
        return true;
      });
      const slides = await site.pathology.slides(PATIENT);
      assert.ok(!slides.some((s) => s.slideId === 'bad-batch'));
    });

    it('uploads through GraphQL multipart and adds to an existing slide', async () => {
      const files = histolab.slice(0, 2);
      let req = request(site.app).post('/graphql').set('authorization', await bearer(site, { role: 'lab' }))
        .field('operations', JSON.stringify({ query: 'mutation($p: ID!, $s: String!, $f: [File!]!) { importTiles(patientId: $p, slideId: $s, files: $f) { tiles kept encoder } }', variables: { p: PATIENT, s: 'upload', f: files.map(() => null) } }))
        .field('map', JSON.stringify(Object.fromEntries(files.map((_, i) => [String(i), [`variables.f.${i}`]]))));
      for (const [i, f] of files.entries()) req = req.attach(String(i), readFileSync(new URL(f, HISTOLAB)), f);
      const res = await req;
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.data.importTiles.tiles, 2);
      await site.pathology.importTiles(tileFiles(histolab.slice(2, 5)), { patientId: PATIENT, slideId: 'upload', source: 'test' });
      const slide = (await site.pathology.slides(PATIENT)).find((s) => s.slideId === 'upload');
      assert.equal(slide?.tileCount, 5);
    });

    it('embeds with an ONNX encoder the project builds, matching the same arithmetic done by hand', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sangam-encoder-'));
      dirs.push(dir);
      const card = writeColourMomentEncoder(dir, { dim: 5, size: 32 });
      const onnxSite = buildTestApp(db, { tileEncoderCard: card, tileThreads: 1 });
      try {
        const name = 'tissue-level0-7352-11762-7864-12274.png';
        const r = await onnxSite.pathology.importTiles(tileFiles([name]), { patientId: PATIENT, slideId: 'onnx', source: 'test' });
        assert.equal(r.encoder, 'colour-moments@1');
        const bag = await onnxSite.pathology.slideEmbeddings(PATIENT, 'onnx');
        assert.equal(bag.dim, 5);
        // by hand: normalise, resize and scale as the card says, then per-channel mean and std through W and b
        const tile = await decodeTile(readFileSync(new URL(name, HISTOLAB)), name);
        const x = await encoderInput(normalizeMacenko(tile.rgb).rgb, tile.width, tile.height, onnxSite.pathology.encoder().id === 'colour-moments@1' ? JSON.parse(readFileSync(card, 'utf8')) : assert.fail());
        const plane = 32 * 32;
        const moments: number[] = [];
        for (let c = 0; c < 3; c++) moments.push(x.subarray(c * plane, (c + 1) * plane).reduce((a, v) => a + v, 0) / plane);
        for (let c = 0; c < 3; c++) moments.push(Math.sqrt(x.subarray(c * plane, (c + 1) * plane).reduce((a, v) => a + v * v, 0) / plane - (moments[c] as number) ** 2));
        const { weights, bias } = colourMomentWeights(5);
        for (let d = 0; d < 5; d++) {
          const expected = moments.reduce((a, m, row) => a + m * (weights[row * 5 + d] as number), bias[d] as number);
          assert.ok(Math.abs((bag.data[d] as number) - expected) < 1e-4, `dimension ${d}: ${bag.data[d]} vs ${expected}`);
        }
        // a slide keeps one encoder: the built-in site cannot add to it
        await assert.rejects(site.pathology.importTiles(tileFiles([name]), { patientId: PATIENT, slideId: 'onnx', source: 'test' }), /holds embeddings from colour-moments@1/);
      } finally {
        await onnxSite.pathology.close();
      }
    });
  });
}

/** A 20000×20000 PNG of one colour: a few kilobytes that would decode to 1.2 GB. */
async function bombPng(): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  return sharp({ create: { width: 20000, height: 20000, channels: 3, background: '#ffffff' }, limitInputPixels: false }).png({ compressionLevel: 9 }).toBuffer();
}
