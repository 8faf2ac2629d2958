/**
 * The HTML report of a REAL short run, opened in a real Chromium (Debian's /usr/bin/chromium in
 * CI, found like the journey driver finds it): every chart draws, the two overlapping faults are
 * two bands of different colours, the forced refresh is a marker, negative request kinds stay
 * out of the valid-traffic chart, nothing is fetched from the network and the console stays
 * clean. Screenshots go to test-results/report-browser/ (git-ignored) as artifacts.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from '@playwright/test';
import type { Browser, Page } from '@playwright/test';
import { requireChromium } from '../../src/journeys/browser.ts';
import type { RunResult } from '../../src/result/types.ts';
import { FAULT_COLOURS } from '../../src/report/chart-data.ts';
import { ROOT, startCli } from '../e2e/cli.ts';

const DRILL = fileURLToPath(new URL('./short-drill.ts', import.meta.url));
const SHOTS = join(ROOT, 'test-results', 'report-browser');

/**
 * Pixels of a canvas within `tolerance` of an RGB colour (antialiased edges miss it, line cores
 * hit it). Page code is a string: the test's tsconfig has no DOM types.
 */
async function countColour(page: Page, selector: string, hex: string, tolerance = 40): Promise<number> {
  const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const script = `(() => {
    const canvas = document.querySelector(${JSON.stringify(selector)});
    const ctx = canvas && canvas.getContext('2d');
    if (!ctx) return -1;
    const want = ${JSON.stringify(want)};
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] < 200) continue;
      const d = Math.abs(data[i] - want[0]) + Math.abs(data[i + 1] - want[1]) + Math.abs(data[i + 2] - want[2]);
      if (d <= ${tolerance}) n++;
    }
    return n;
  })()`;
  return Number(await page.evaluate(script));
}

describe('the HTML report of a real run in Chromium', () => {
  let dir = '';
  let run: RunResult;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keystorm-report-browser-'));
    const played = await startCli(
      ['run', DRILL, '--out', dir, '--reporter', 'json', '--reporter', 'html', '--seed', '7'],
      { timeoutMs: 120_000 },
    ).done;
    assert.ok([0, 1, 4].includes(played.code ?? -1), `run exited ${played.code}: ${played.stderr}`);
    // Re-render through `keystorm report`, compared with itself: the comparison section too.
    const rendered = await startCli(['report', dir, '--compare', join(dir, 'summary.json')], {
      timeoutMs: 60_000,
    }).done;
    assert.equal(rendered.code, 0, rendered.stderr);
    run = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as RunResult;
    await mkdir(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: requireChromium().path,
      args: ['--disable-gpu', '--disable-quic'],
    });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) foreignRequests.push(r.url());
    });
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    // Charts draw lazily as they scroll into view: scroll to each, as a reader would.
    for (const charts of await page.locator('.charts').all()) {
      await charts.scrollIntoViewIfNeeded();
      await charts.locator('.chart[data-rendered="1"]').first().waitFor({ timeout: 10_000 });
    }
    await page.screenshot({ path: join(SHOTS, 'report.png'), fullPage: true });
  });

  after(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('draws every chart of the played scenario with a visible series', async () => {
    const ids = await Promise.all((await page.locator('.chart').all()).map((c) => c.getAttribute('id')));
    assert.deepEqual(ids, ['c0-traffic', 'c0-negative', 'c0-latency', 'c0-jwks']);
    const firstColour = { traffic: '#15803d', negative: '#6d28d9', latency: '#15803d', jwks: '#0f766e' };
    for (const [chart, colour] of Object.entries(firstColour)) {
      const pixels = await countColour(page, `#c0-${chart} canvas`, colour);
      assert.ok(pixels > 20, `chart ${chart} has ${pixels} pixels of its first series`);
      await page.locator(`#c0-${chart}`).screenshot({ path: join(SHOTS, `chart-${chart}.png`) });
    }
  });

  it('shades each of the two overlapping faults in its own colour, and marks the forced refresh', async () => {
    const faults = run.scenarios[0]?.windows.filter((w) => w.kind === 'fault') ?? [];
    assert.deepEqual(
      faults.map((f) => f.name),
      ['jwks-slow', 'discovery-down'],
    );
    const [slow, down] = faults;
    assert.ok(slow !== undefined && down !== undefined && down.fromMs < slow.toMs, 'the faults overlap');
    for (const colour of FAULT_COLOURS.slice(0, 2)) {
      const pixels = await countColour(page, '#c0-traffic canvas', colour, 12);
      assert.ok(pixels > 100, `fault band ${colour} has ${pixels} pixels`);
    }
    const marker = await countColour(page, '#c0-traffic canvas', '#111827', 6);
    assert.ok(marker > 10, `action marker has ${marker} pixels`);
    const timeline = await page.locator('#s0 table.timeline').innerText();
    for (const event of ['fault jwks-slow applied', 'fault discovery-down reverted', 'force-refresh'])
      assert.match(timeline, new RegExp(event));
  });

  it('keeps the negative request kind out of the valid-traffic chart', async () => {
    const traffic = await page.locator('#c0-traffic .u-legend').innerText();
    const negative = await page.locator('#c0-negative .u-legend').innerText();
    assert.match(traffic, /valid ok\/s/);
    assert.doesNotMatch(traffic, /expired/);
    assert.match(negative, /expired unexpected\/s/);
  });

  it('reads as an incident review with the overview and the comparison', async () => {
    const text = await page.locator('body').innerText();
    for (const heading of ['Overview', 'Summary', 'Impact', 'Detection', 'Graphs', 'Timeline', 'Evidence'])
      assert.match(text, new RegExp(`\\b${heading}\\b`));
    assert.match(text, /Compared with the previous run/);
    assert.match(text, /Injected faults jwks-slow \(http-latency\)/);
  });

  it('loads nothing but the file itself and logs no console error', () => {
    assert.deepEqual(foreignRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
