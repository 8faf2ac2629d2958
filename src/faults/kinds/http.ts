/**
 * The HTTP kinds, one per mock-idp fault kind, named `http-<mock-idp kind>`. Their behaviour
 * lives in mock-idp/faults/kinds/ (one file each); this file only lifts them into the harness
 * registry so scenarios name them like any other fault.
 */
import { contentTypeKind } from '../../../mock-idp/faults/kinds/content-type.ts';
import { dripKind } from '../../../mock-idp/faults/kinds/drip.ts';
import { emptyKeysKind } from '../../../mock-idp/faults/kinds/empty-keys.ts';
import { hangKind } from '../../../mock-idp/faults/kinds/hang.ts';
import { latencyKind } from '../../../mock-idp/faults/kinds/latency.ts';
import { malformedJsonKind } from '../../../mock-idp/faults/kinds/malformed-json.ts';
import { resetKind } from '../../../mock-idp/faults/kinds/reset.ts';
import { statusKind } from '../../../mock-idp/faults/kinds/status.ts';
import { truncateKind } from '../../../mock-idp/faults/kinds/truncate.ts';
import { httpKind } from './http-common.ts';

export const httpFaultKinds = [
  httpKind(latencyKind),
  httpKind(statusKind),
  httpKind(hangKind),
  httpKind(resetKind),
  httpKind(truncateKind),
  httpKind(malformedJsonKind),
  httpKind(contentTypeKind),
  httpKind(emptyKeysKind),
  httpKind(dripKind),
];
