/**
 * The profile schema as users write it (durations, lower bounds, strict keys), the block
 * calibrate prints (it must parse back to the same profile), how findings merge, and how a
 * pinned profile is compared with a measured one.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { ZodError } from 'zod';
import { compareProfiles } from '../../src/calibrate/report.ts';
import { mergeProfiles } from '../../src/calibrate/merge.ts';
import { peakOverlap } from '../../src/calibrate/probes/types.ts';
import { formatProfile, parseProfile } from '../../src/profile/index.ts';
import type { SutProfile } from '../../src/profile/index.ts';
import { loadConfig } from '../../src/config/index.ts';

describe('sut.profile', () => {
  it('reads durations and lower bounds into milliseconds', () => {
    const profile = parseProfile({
      ttlMs: '10m',
      refreshAheadMs: 0,
      unknownKidCooldownMs: { atLeast: '30s' },
      fetchTimeoutMs: '1.5s',
      capabilities: { scopes403: false, logPatterns: ['old-jwks-recached'] },
    });
    assert.deepEqual(profile, {
      ttlMs: 600_000,
      refreshAheadMs: 0,
      unknownKidCooldownMs: { atLeast: 30_000 },
      fetchTimeoutMs: 1500,
      capabilities: { scopes403: false, logPatterns: ['old-jwks-recached'] },
    });
  });

  it('lists every bad field by path and refuses unknown keys', () => {
    assert.throws(
      () => parseProfile({ ttlMs: 'soon', fetchTimeoutMs: -1, capabilities: { scopes: true }, ttl: 1 }),
      (error: unknown) => {
        assert.ok(error instanceof ZodError);
        const paths = error.issues.map((i) => i.path.join('.'));
        assert.ok(paths.includes('ttlMs'), paths.join(' '));
        assert.ok(paths.includes('fetchTimeoutMs'), paths.join(' '));
        assert.ok(
          paths.some((p) => p.startsWith('capabilities')),
          paths.join(' '),
        );
        return true;
      },
    );
  });

  it('refuses behaviours as profile fields: the drills judge them, a SUT cannot declare them', () => {
    for (const field of ['coalesces', 'staleFallback', 'keyFailureStatus']) {
      assert.throws(
        () => parseProfile({ [field]: field === 'keyFailureStatus' ? 503 : true }),
        (error: unknown) => error instanceof ZodError && error.issues.some((i) => i.message.includes(field)),
        field,
      );
    }
  });

  it('prints a block that parses back to the same profile', async () => {
    const profile: SutProfile = {
      ttlMs: 3350,
      refreshAheadMs: 840,
      unknownKidCooldownMs: { atLeast: 600_000 },
      fetchTimeoutMs: 65_000,
      capabilities: { readinessReflectsKeys: false, logPatterns: ['a', 'b'] },
    };
    // Pasted into a module the way a user pastes it into a config.
    const dir = await mkdtemp(join(tmpdir(), 'keystorm-profile-'));
    try {
      const file = join(dir, 'pasted.ts');
      await writeFile(file, `export default { ${formatProfile(profile)} };\n`);
      const pasted = (await import(pathToFileURL(file).href)) as { default: { profile: unknown } };
      assert.deepEqual(parseProfile(pasted.default.profile), profile);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is accepted under sut in a config and reaches the resolved SUT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keystorm-profile-'));
    try {
      const file = join(dir, 'keystorm.config.json');
      const sut = { command: ['node', 'x.js'], profile: { ttlMs: '10s', refreshAheadMs: '2s' } };
      await writeFile(file, JSON.stringify({ sut }));
      const config = await loadConfig({ file });
      assert.deepEqual(config.sut?.profile, { ttlMs: 10_000, refreshAheadMs: 2000 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('calibration findings', () => {
  it('keeps the first finding of a field and unions capabilities', () => {
    const merged = mergeProfiles(
      [
        { keyFailureStatus: 503, ttlMs: 3000 },
        { keyFailureStatus: 401, capabilities: { scopes403: true } },
        { capabilities: { readinessReflectsKeys: false } },
      ],
      ['old-jwks-recached'],
    );
    assert.deepEqual(merged, {
      keyFailureStatus: 503,
      ttlMs: 3000,
      capabilities: { scopes403: true, readinessReflectsKeys: false, logPatterns: ['old-jwks-recached'] },
    });
  });

  it('counts overlapping fetches, not back-to-back ones', () => {
    assert.equal(peakOverlap([]), 0);
    assert.equal(
      peakOverlap([
        { start: 0, end: 100, status: 200 },
        { start: 100, end: 200, status: 200 },
      ]),
      1,
    );
    assert.equal(
      peakOverlap([
        { start: 0, end: 1500, status: 200 },
        { start: 1000, end: 2500, status: 200 },
        { start: 1200, end: 1300, status: 200 },
      ]),
      3,
    );
  });

  it('flags pinned values the measurement contradicts, within tolerance otherwise', () => {
    const pinned: SutProfile = {
      ttlMs: 10_000,
      unknownKidCooldownMs: 2000,
      fetchTimeoutMs: 1500,
      capabilities: { scopes403: true },
    };
    assert.deepEqual(
      compareProfiles(pinned, {
        ttlMs: 10_400,
        unknownKidCooldownMs: 2200,
        fetchTimeoutMs: { atLeast: 60_000 },
        capabilities: { scopes403: false },
      }),
      [
        'fetchTimeoutMs: pinned 1.50s, measured > 1m00s',
        'capabilities.scopes403: pinned true, measured false',
      ],
    );
    // A lower bound is no contradiction of a longer pinned value.
    assert.deepEqual(compareProfiles({ ttlMs: 600_000 }, { ttlMs: { atLeast: 35_000 } }), []);
  });
});
