/** Load drivers backed by k6 (`keystorm run --driver k6 | k6-output DIR`): see docs/k6-driver.md. */
export { findK6, K6_INSTALL_HINT } from './k6-binary.ts';
export { k6Driver } from './k6-driver.ts';
export type { K6DriverSettings } from './k6-driver.ts';
export { k6OutputDriver, waitForQuietOutputs } from './k6-output-driver.ts';
export type { K6OutputSettings } from './k6-output-driver.ts';
export { checkDriverChoice, createDriver, DRIVER_USAGE, takeDriverOption } from './driver-option.ts';
export type { DriverChoice } from './driver-option.ts';
export { exportK6Script } from './export-script.ts';
