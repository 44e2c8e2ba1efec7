/**
 * Every public function of the browser-safe entries (root, datasets, charts, sql), called with arbitrary JSON-ish values (fast-check's
 * `anything`: nested arrays and objects, keys such as `__proto__` and `constructor`, BigInt,
 * Date, typed arrays, sparse arrays, huge and non-finite numbers), mixed with plausible values
 * (score arrays, rows, formulas) so that calls get past the first check. Nothing but a CbmError
 * may escape: no TypeError, no RangeError. Sizes stay small, so each call is quick; a hang shows
 * up as this file's (generous) timeout, not as a timing assertion.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as charts from '../kernel-lib/src/charts';
import * as datasets from '../kernel-lib/src/datasets';
import * as lib from '../kernel-lib/src/index';
import * as sql from '../kernel-lib/src/sql';

const { CbmError } = lib;

/** Object keys an attacker would choose, next to ordinary ones. */
const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'length', 'y', 'x', 'responded', 'seed', 'groups', 'bins', 'profit', 'cost'),
);

/** Numbers at the edges: huge, tiny, negative zero, non-finite, sizes that would exhaust memory. */
const edgeNumber = fc.constantFrom(0, -0, 1, -1, 0.5, 2, 10, 1e9, 2 ** 31, 2 ** 53, 1e308, -1e308, 5e-324, Number.NaN, Infinity, -Infinity);

const anything = fc.anything({
  key,
  maxDepth: 3,
  maxKeys: 5,
  withBigInt: true,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
  withNullPrototype: true,
  withObjectString: true,
  withBoxedValues: true,
  values: [fc.boolean(), fc.integer(), fc.double(), edgeNumber, fc.string({ maxLength: 8 }), fc.constant(null), fc.constant(undefined)],
});

/** Values shaped like real arguments, so that the deeper checks are reached too. */
const cell = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.double({ min: 0, max: 1 }),
  fc.constantFrom('a', 'b', 'M', 'F', 'yes', 'no', '', null),
  edgeNumber,
  fc.bigInt({ min: -3n, max: 3n }),
  fc.date(),
);
const plausible = fc.oneof(
  fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 8 }),
  fc.array(fc.constantFrom(0, 1), { minLength: 1, maxLength: 8 }),
  fc.array(fc.dictionary(key, cell, { maxKeys: 4 }), { maxLength: 6 }),
  fc.dictionary(key, fc.array(cell, { maxLength: 6 }), { maxKeys: 4 }),
  fc.constantFrom('y ~ x', 'y ~ x + g', 'responded ~ (gender + age)^2', 'y ~ .', 'y ~ x:g - 1', '~ x', 'y ~ (x', 'constructor ~ __proto__'),
  fc.record({ seed: fc.oneof(fc.integer(), fc.string()), groups: edgeNumber, bins: edgeNumber, profit: edgeNumber, cost: edgeNumber }, { requiredKeys: [] }),
  edgeNumber,
);
const argument = fc.oneof({ weight: 2, arbitrary: plausible }, { weight: 1, arbitrary: anything });
const argumentLists = fc.array(argument, { maxLength: 4 });

/**
 * The entries' functions. `CbmError` and `LogitModel` are classes (called with `new`, never
 * as functions); the model is fuzzed through `LogitModel.fromJSON`, its public door for data.
 */
const functions: [string, (...args: unknown[]) => unknown][] = Object.entries({ ...lib, ...datasets, ...charts, ...sql })
  .filter(([name, value]) => typeof value === 'function' && name !== 'CbmError' && name !== 'LogitModel' && name !== 'LinearModel')
  .map(([name, value]) => [name, value as (...args: unknown[]) => unknown]);
functions.push(['LogitModel.fromJSON', (...args) => lib.LogitModel.fromJSON(args[0] as never)]);
functions.push(['LinearModel.fromJSON', (...args) => lib.LinearModel.fromJSON(args[0] as never)]);

/**
 * Functions that still let another error escape, each with the reason; they are expected to
 * fail here (it.fails), so fixing one makes this test say so and the entry must be removed.
 */
const KNOWN_FAILURES: Record<string, string> = {
  // none at present
};

/** What escaped from a call, or null for a CbmError with a message. */
function judge(error: unknown): string | null {
  if (error instanceof CbmError) {
    // A CbmError's message must be text that starts with a function name or context, never "undefined".
    return typeof error.message === 'string' && error.message.length > 0 ? null : `an empty CbmError message`;
  }
  return `${error instanceof Error ? error.constructor.name : typeof error}: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * Calls `fn` and returns a description of what escaped, or null when it returned or threw a
 * CbmError. An async function (the in-database fits) is judged by how its promise settles.
 */
async function escaped(fn: (...args: unknown[]) => unknown, args: unknown[]): Promise<string | null> {
  try {
    const result = fn(...args);
    if (result instanceof Promise) await result;
    return null;
  } catch (error) {
    return judge(error);
  }
}

describe('fuzz: every public function of the browser-safe entries throws only CbmErrors', () => {
  it('covers the public functions', () => {
    expect(functions.length).toBeGreaterThan(70);
  });

  for (const [name, fn] of functions) {
    const run = KNOWN_FAILURES[name] ? it.fails : it;
    run(`${name}${KNOWN_FAILURES[name] ? ` (known: ${KNOWN_FAILURES[name]})` : ''}`, { timeout: 120_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(argumentLists, async (args) => {
          const problem = await escaped(fn, args);
          if (problem !== null) {
            if (process.env.FUZZ_DEBUG) console.error(`FUZZ ${name}: ${problem}`);
            throw new Error(`${name}(${args.length} args) let ${problem} escape`);
          }
        }),
        { seed: Number(process.env.FUZZ_SEED ?? 20260), numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
      );
    });
  }
});
