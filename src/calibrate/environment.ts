/**
 * The calibration world: the same mock-idp, proxies and SUT start as `keystorm run`
 * (src/scenario/environment.ts), built from the resolved config. Calibration needs a SUT it can
 * start cold for each probe, so an attached SUT is refused.
 */
import type { FaultLedger } from '../faults/ledger.ts';
import type { FullConfig, FullSpawnedSut } from '../config/types.ts';
import { HarnessError } from '../errors.ts';
import type { SpawnSutOptions } from '../sut/types.ts';
import { RunEnvironment } from '../scenario/environment.ts';
import { environmentOptions } from '../scenario/run.ts';

/** The spawned SUT of the config, or a usage error for an attached one. */
export function spawnedSut(config: FullConfig): FullSpawnedSut {
  const sut = config.sut;
  if (sut === null)
    throw new HarnessError('ERR_USAGE', 'no SUT configured: calibrate needs `sut.command` in the config');
  if (sut.mode !== 'spawn')
    throw new HarnessError(
      'ERR_USAGE',
      'calibrate needs a SUT it starts (`sut.command`): every probe begins with a cold key cache',
    );
  return sut;
}

function spawnOptions(sut: FullSpawnedSut): SpawnSutOptions {
  const { mode: _mode, request: _request, profile: _profile, ...spawn } = sut;
  // One replica: the probes read one client's fetches at mock-idp.
  return { ...spawn, replicas: 1 };
}

/** Starts mock-idp and the proxy for calibration; everything is recorded in `ledger`. */
export function startCalibrationEnvironment(
  config: FullConfig,
  ledger: FaultLedger,
): Promise<RunEnvironment> {
  const sut = spawnedSut(config);
  // The run's own options (fixed proxy ports, public host, idp.seed…), with one replica.
  return RunEnvironment.start({ ...environmentOptions(config, sut), sut: spawnOptions(sut) }, ledger);
}
