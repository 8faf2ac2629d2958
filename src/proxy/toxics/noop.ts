/** noop: passes everything through; accepted as a type so configs written for Toxiproxy load. */
import { PassThroughStage, type ToxicType } from './stage.ts';

export const noop: ToxicType = {
  name: 'noop',
  defaults: {},
  max: {},
  createStage: (_attributes, context) => new PassThroughStage(context),
};
