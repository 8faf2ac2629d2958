/** zod → AdminInputError with every problem at a dotted path (`options.count`, `scopes[1]`). */
import type { z } from 'zod';
import { AdminInputError } from '../contracts.ts';
import { zodProblems } from '../../src/util/problems.ts';

/** Parses `value` or throws AdminInputError naming every bad field (unknown fields included). */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, prefix = ''): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new AdminInputError(
    zodProblems(result.error, { prefix, rootPath: '(body)', unknownKeyNoun: 'field' }),
  );
}
