import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import type { EquityReport } from '../../src/equity/build-equity-report.ts';
import { escapeXml, renderEquityChart, renderEquityPng } from '../../src/equity/render-chart.ts';
import { renderEquityTable } from '../../src/equity/render-table.ts';
import { representation } from '../../src/equity/representation.ts';
import type { EquityTags } from '../../src/equity/site-patients.ts';
import { subgroupMetrics, type ScoredExample } from '../../src/equity/subgroup-metrics.ts';

const tags = (population: string, sex: string): EquityTags => ({ population, sex, ageBand: '50-64', cancerType: 'lung' });
const patients = [
  { tags: tags('Asian & Pacific <Islander>', 'female'), sequenced: true, trialEligible: true },
  { tags: tags('Asian & Pacific <Islander>', 'male'), sequenced: false, trialEligible: false },
  { tags: tags('White', 'female'), sequenced: true, trialEligible: false },
];
const scored: ScoredExample[] = [
  { patient: 0, score: 0.9, label: 1, tags: patients[0]!.tags },
  { patient: 1, score: 0.2, label: 0, tags: patients[1]!.tags },
  { patient: 2, score: 0.4, label: 1, tags: patients[2]!.tags },
  { patient: 2, score: 0.6, label: 0, tags: patients[2]!.tags },
];

const report: EquityReport = {
  asOf: '2025-06-01T00:00:00.000Z',
  data: 'all',
  minSubgroupSize: 2,
  patients: { total: 3, sequenced: 2, trialEligible: 1, excludedByConsent: 0 },
  models: [
    { model: 'response-synthetic@1', task: 'response', featureSchema: 'response-features@1', ...subgroupMetrics('auc', scored, 2) },
    { model: 'mutation-synthetic@1', task: 'mutation', featureSchema: 'tile-embeddings@1', skipped: 'the site holds no local labels for mutation models' },
  ],
  representation: representation(patients, true),
  notes: ['a note'],
};

/** A strict enough XML well-formedness check: balanced tags, quoted attributes, no bare `&` or `<`. */
function assertWellFormed(xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = token.exec(body)) !== null) {
    end = token.lastIndex;
    if (m[5] !== undefined) {
      assert.ok(!/&(?!(amp|lt|gt|quot|apos);)/.test(m[5]), `bare & in text: ${m[5].slice(0, 40)}`);
      continue;
    }
    assert.ok(!/&(?!(amp|lt|gt|quot|apos);)/.test(m[3] ?? ''), `bare & in attributes of <${m[2]}>`);
    if (m[1]) assert.equal(stack.pop(), m[2], `</${m[2]}> closes another element`);
    else if (!m[4]) stack.push(m[2]!);
  }
  assert.equal(end, body.length, `not XML from: ${body.slice(end, end + 60)}`);
  assert.deepEqual(stack, [], 'unclosed elements');
}

describe('the equity chart and table', () => {
  const svg = renderEquityChart(report);

  it('is well-formed SVG that librsvg renders, and escapes group names', async () => {
    assertWellFormed(svg);
    assert.ok(svg.includes('Asian &amp; Pacific &lt;Islander&gt;'));
    const meta = await sharp(Buffer.from(svg)).metadata();
    assert.equal(meta.format, 'svg');
    assert.equal(meta.width, 960);
    const png = await renderEquityPng(report);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(escapeXml(`a"b'c`), 'a&quot;b&apos;c');
  });

  it('draws one bar per group and population in representation, and one bar per subgroup for each assessed model', () => {
    const bars = [...svg.matchAll(/<rect class="bar" data-section="([^"]*)" data-attribute="([^"]*)" data-group="([^"]*)" data-series="([^"]*)"/g)].map((m) => m.slice(1).join('|'));
    const rep = bars.filter((b) => b.startsWith('representation|population|'));
    // two population groups, three populations each
    assert.deepEqual(rep, [
      'representation|population|Asian &amp; Pacific &lt;Islander&gt;|all',
      'representation|population|Asian &amp; Pacific &lt;Islander&gt;|sequenced',
      'representation|population|Asian &amp; Pacific &lt;Islander&gt;|trialEligible',
      'representation|population|White|all',
      'representation|population|White|sequenced',
      'representation|population|White|trialEligible',
    ]);
    const groupsInReport = report.representation.reduce((n, a) => n + a.groups.length, 0);
    assert.equal(bars.filter((b) => b.startsWith('representation|')).length, groupsInReport * 3);
    const perf = bars.filter((b) => b.startsWith('performance|'));
    const subgroups = report.models[0]!.attributes!.reduce((n, a) => n + a.groups.length, 0);
    assert.equal(perf.length, subgroups);
    assert.deepEqual(perf.filter((b) => b.includes('|sex|')), ['performance|sex|female|response-synthetic@1', 'performance|sex|male|response-synthetic@1']);
    assert.ok(svg.includes('male: small group (1 patients)'), 'a suppressed subgroup says why');
  });

  it('renders the text table with sizes, suppressed metrics, gaps and representation', () => {
    const text = renderEquityTable(report);
    assert.match(text, /Model response-synthetic@1 \(response, AUC\)/);
    // female: patients 0 and 2; AUC over pos .9 .4 / neg .6 → 1/2
    assert.match(text, /sex\s+female\s+2\s+3\s+2\s+0\.500/);
    assert.match(text, /sex\s+male\s+1\s+1\s+0\s+- \(small group\)/);
    assert.match(text, /Model mutation-synthetic@1 \(mutation\): not assessed: the site holds no local labels/);
    assert.match(text, /population\s+White\s+1 \(33\.3%\)\s+1 \(50\.0%\)\s+1\.50\s+0 \(0\.0%\)\s+0\.00/);
  });
});
