/** Public API of the measurements (see docs/mock-idp-faults-and-metrics.md). */
export { createMeasurements } from './measurements.ts';
export type { MarkInfo, Measurements, MeasurementsOptions } from './measurements.ts';
export { measurementClient } from './client.ts';
export type { MeasurementClient } from './client.ts';
export type { ClientIssuerStats, ClientStats, IssuerStats, Stats } from './stats.ts';
export type { InterArrival } from './arrival-log.ts';
export type { JournalEntry } from './journal.ts';
export type { ProviderEvent } from './event-hub.ts';
