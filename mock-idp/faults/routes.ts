/**
 * Admin routes of the fault plan:
 *   POST /faults → 201 record · GET /faults → { faults } · GET /faults/:id → record
 *   DELETE /faults/:id → 204 · DELETE /faults → 204 (clears all)
 * A spec is validated whole before anything is installed: never half-applied.
 */
import { AdminInputError, AdminNotFoundError } from '../contracts.ts';
import type { AdminRoute } from '../contracts.ts';
import type { FaultPlan } from './fault-plan.ts';
import { parseFaultSpec } from './fault-plan.ts';

export function faultRoutes(plan: FaultPlan, knownIssuer: (name: string) => boolean): AdminRoute[] {
  return [
    {
      method: 'POST',
      pattern: '/faults',
      handle({ body }) {
        if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
          throw new AdminInputError([{ path: '(root)', message: 'expected a fault spec object' }]);
        }
        const parsed = parseFaultSpec(body);
        if (!parsed.ok) throw new AdminInputError(parsed.problems);
        for (const issuer of parsed.spec.scope.issuer ?? []) {
          if (!knownIssuer(issuer)) throw new AdminNotFoundError(`unknown issuer "${issuer}"`);
        }
        return { status: 201, body: plan.add(body as Record<string, unknown>) };
      },
    },
    {
      method: 'GET',
      pattern: '/faults',
      handle: () => ({ status: 200, body: { faults: plan.list() } }),
    },
    {
      method: 'GET',
      pattern: '/faults/:id',
      handle({ params }) {
        const record = plan.get(params.id ?? '');
        if (record === undefined) throw new AdminNotFoundError(`unknown fault "${params.id ?? ''}"`);
        return { status: 200, body: record };
      },
    },
    {
      method: 'DELETE',
      pattern: '/faults/:id',
      handle({ params }) {
        if (!plan.remove(params.id ?? '')) throw new AdminNotFoundError(`unknown fault "${params.id ?? ''}"`);
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      pattern: '/faults',
      handle() {
        plan.clear();
        return { status: 204 };
      },
    },
  ];
}
