/** The SUT profile: its schema (for `sut.profile` in the config), types and formatting. */
export { capabilitiesSchema, parseProfile, sutProfileSchema, timingSchema } from './schema.ts';
export type { SutCapabilities, SutProfile, SutProfileInput, Timing } from './schema.ts';
export { formatProfile, formatTiming } from './format.ts';
