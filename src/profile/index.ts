/** The SUT profile: its schema (for `sut.profile` in the config), types and formatting. */
export { capabilitiesSchema, parseProfile, sutProfileSchema, timingSchema } from './schema.ts';
export type {
  MeasuredProfile,
  SutBehaviour,
  SutCapabilities,
  SutProfile,
  SutProfileInput,
  Timing,
} from './schema.ts';
export { formatBehaviour, formatProfile, formatTiming } from './format.ts';
