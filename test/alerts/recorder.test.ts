/**
 * The recorder on its own: ticks at the interval, labels like Prometheus (job, instance, up,
 * exported_job), leaves a tick empty when a target fails, and is bounded in ticks.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAlertRecording } from '../../src/alerts/index.ts';

describe('alert recorder', () => {
  it('scrapes a /metrics URL and an in-process source each tick, with up and target labels', async () => {
    let n = 0;
    let failing = false;
    const server = createServer((_req, res) => {
      if (failing) {
        res.writeHead(500).end();
        return;
      }
      n++;
      res.end(`# TYPE hits_total counter\nhits_total{job="inner"} ${n}\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    const recording = startAlertRecording({
      intervalMs: 200,
      targets: [
        { job: 'sut', url },
        { job: 'keystorm', collect: () => [{ name: 'mine', labels: {}, value: 7 }] },
      ],
    });
    await sleep(900);
    failing = true;
    await sleep(500);
    const rec = await recording.stop();
    server.close();
    const host = new URL(url).host;
    const hits = rec.series[`hits_total{exported_job="inner",instance="${host}",job="sut"}`];
    const up = rec.series[`up{instance="${host}",job="sut"}`];
    assert.ok(hits !== undefined && up !== undefined, Object.keys(rec.series).join(' '));
    assert.ok(rec.ticks >= 6 && rec.ticks <= 9, `ticks ${rec.ticks}`);
    assert.equal(hits.length, rec.ticks);
    // Each scrape got the next count (a scrape slower than the interval would leave a gap).
    const seen = hits.slice(0, 4).filter((v) => v !== null);
    assert.ok(seen.length >= 3, JSON.stringify(hits));
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
    );
    assert.equal(hits.at(-1), null, 'a failed scrape leaves its tick empty');
    assert.equal(up.at(-1), 0);
    assert.equal(up[0], 1);
    assert.equal(rec.series['mine{instance="keystorm",job="keystorm"}']?.[0], 7);
    assert.equal(rec.truncated, false);
  });

  it('stops at its tick limit and marks the recording truncated', async () => {
    const recording = startAlertRecording({
      intervalMs: 100,
      maxTicks: 3,
      targets: [{ job: 'k', collect: () => 'x 1\n' }],
    });
    await sleep(600);
    const rec = await recording.stop();
    assert.equal(rec.ticks, 3);
    assert.equal(rec.truncated, true);
  });

  it('stops ticking when its signal aborts', async () => {
    const controller = new AbortController();
    const recording = startAlertRecording({
      intervalMs: 100,
      signal: controller.signal,
      targets: [{ job: 'k', collect: () => 'x 1\n' }],
    });
    await sleep(250);
    controller.abort();
    const ticks = (await recording.stop()).ticks;
    await sleep(250);
    assert.ok(ticks >= 2 && ticks <= 4, `ticks ${ticks}`);
  });
});
