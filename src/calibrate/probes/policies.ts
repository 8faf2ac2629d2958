/**
 * Policies (capabilities): does a warm SUT answer 403 to a valid token without the route's scope,
 * and 401 when a claim-derived header disagrees with the token? One request each, so a
 * scenario that tests a policy can be skipped for a SUT that has none.
 */
import type { SutCapabilities } from '../../profile/schema.ts';
import { isOk, type Probe, type ProbeContext, type ProbeResult } from './types.ts';

export const policiesProbe: Probe = {
  name: 'policies',
  summary: 'warm SUT: a token without the scope, a mismatched claim header',
  async run({ session, budgetMs }: ProbeContext): Promise<ProbeResult> {
    const timeoutMs = Math.min(budgetMs, 10_000);
    await session.startSut(true);
    const [valid] = await session.mint(1);
    const [unscoped] = await session.mint(1, 'missing-scope');
    const warm = await session.send(valid ?? '', timeoutMs);
    if (!isOk(warm, session.expect)) {
      await session.stopSut();
      return {
        profile: {},
        evidence: [
          `policies: a valid token got ${warm.status ?? warm.error}, not a valid answer; not measured`,
        ],
      };
    }
    const capabilities: SutCapabilities = {};
    const evidence: string[] = [];
    const scoped = await session.send(unscoped ?? '', timeoutMs);
    capabilities.scopes403 = scoped.status === 403;
    evidence.push(`policies: a valid token without the route's scope got ${scoped.status ?? scoped.error}`);
    if (session.claimHeaders.length === 0) {
      evidence.push('policies: sut.request sends no claim-derived header; claim-header checks not probed');
    } else {
      const mismatched = await session.send(valid ?? '', timeoutMs, 'mismatch');
      capabilities.claimHeaders401 = mismatched.status === 401;
      evidence.push(
        `policies: a valid token with a mismatched ${session.claimHeaders.join(', ')} got ${mismatched.status ?? mismatched.error}`,
      );
    }
    await session.stopSut();
    return { profile: { capabilities }, evidence };
  },
};
