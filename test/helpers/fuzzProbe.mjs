/**
 * The fuzz test's probe (test/fuzz.test.ts): a worker thread that fuzzes one export at a time of
 * the built package (every entry: root, datasets, charts, sql, render, warehouse, parallel). The
 * test starts it with a heap limit and a watchdog; before each call the probe posts the export and
 * a short description of the arguments, so a call that hangs or exhausts memory (the worker is
 * terminated, the test process is not) is reported with the input that did it.
 *
 * Messages in: { name, seed, runs }. Messages out: { kind: 'call', input } at the start and before each call, then
 * { kind: 'done' } or { kind: 'failed', problem } (fast-check's counterexample, shrunk).
 * The pseudo-exports 'harness:hang' and 'harness:oom' let the test check that the watchdog and
 * the heap limit do fail a probe.
 */
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import fc from 'fast-check';

const require = createRequire(import.meta.url);
const dist = (entry) => require(`../../kernel-lib/dist/${entry}`);
const lib = dist('index.js');
const entries = {
  root: lib,
  datasets: dist('datasets.js'),
  charts: dist('charts/index.js'),
  sql: dist('sql/index.js'),
  render: dist('render.js'),
  warehouse: dist('warehouse.js'),
  parallel: dist('parallel.js'),
};

/** The exported functions by name (classes are fuzzed through their fromJSON), as the test lists them. */
export function exportedFunctions() {
  const functions = new Map();
  for (const entry of Object.values(entries))
    for (const [name, value] of Object.entries(entry))
      if (typeof value === 'function' && name !== 'CbmError' && name !== 'LogitModel' && name !== 'LinearModel' && !functions.has(name)) functions.set(name, value);
  functions.set('LogitModel.fromJSON', (...args) => lib.LogitModel.fromJSON(args[0]));
  functions.set('LinearModel.fromJSON', (...args) => lib.LinearModel.fromJSON(args[0]));
  return functions;
}

/** Object keys an attacker would choose, next to ordinary ones. */
const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'length', 'y', 'x', 'responded', 'seed', 'groups', 'bins', 'profit', 'cost', 'workers'),
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
  fc.constantFrom('a', 'b', 'M', 'F', 'yes', 'no', '', null, '=1+2', '-x'),
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
  fc.constantFrom('x > 0', 'g %in% c("a", NA) & !is.na(x)', "y == 'M' | x / 0 > 1", '(x', "$$'$$ IS NOT NULL); DROP TABLE t; --"),
  fc.record({ seed: fc.oneof(fc.integer(), fc.string()), groups: edgeNumber, bins: edgeNumber, profit: edgeNumber, cost: edgeNumber, workers: edgeNumber }, { requiredKeys: [] }),
  edgeNumber,
);
const argument = fc.oneof({ weight: 2, arbitrary: plausible }, { weight: 1, arbitrary: anything });
const argumentLists = fc.array(argument, { maxLength: 4 });
/** openDuckDB and openPostgres get non-text arguments only: a random text would be a file to create or a host to connect to. */
const OPENERS = new Set(['openDuckDB', 'openPostgres']);
const openerLists = fc.array(fc.oneof(edgeNumber, fc.constant(null), fc.array(cell, { maxLength: 2 })), { maxLength: 2 });

/** What escaped from a call, or null for a CbmError with a message (recognised by its brand, across the CommonJS entries). */
function judge(error) {
  if (lib.isCbmError(error)) return typeof error.message === 'string' && error.message.length > 0 ? null : 'an empty CbmError message';
  return `${error instanceof Error ? error.constructor.name : typeof error}: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * A text that changes whenever a value changes: own keys in order (symbols too), prototypes,
 * array holes, -0, NaN, typed-array contents, Dates, boxed values. Shared and cyclic parts once.
 */
export function snapshot(value, seen = new Map()) {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  if (seen.has(value)) return `#${seen.get(value)}`;
  seen.set(value, seen.size);
  const proto = Object.getPrototypeOf(value);
  const kind = proto === null ? 'null' : (proto.constructor?.name ?? '?');
  if (ArrayBuffer.isView(value)) return `${kind}[${Array.from(value, (v) => snapshot(v, seen)).join(',')}]`;
  if (value instanceof Date) return `Date(${value.getTime()})`;
  const boxed = value instanceof Number || value instanceof String || value instanceof Boolean ? `=${snapshot(value.valueOf(), seen)}` : '';
  const keys = Reflect.ownKeys(value).map((k) => {
    const d = Object.getOwnPropertyDescriptor(value, k);
    return `${String(k)}:${'value' in d ? snapshot(d.value, seen) : 'accessor'}`;
  });
  return `${kind}${boxed}{${keys.join(',')}}`;
}

/** Where a returned value holds NaN or undefined (own enumerable data, class instances included), or null. */
function badValue(value, path = 'result', seen = new Set()) {
  if (value === undefined) return `${path} is undefined`;
  if (typeof value === 'number') return Number.isNaN(value) ? `${path} is NaN` : null;
  if (value === null || typeof value !== 'object' || seen.has(value)) return null;
  seen.add(value);
  if (ArrayBuffer.isView(value)) {
    for (let i = 0; i < value.length; i++) if (typeof value[i] === 'number' && Number.isNaN(value[i])) return `${path}[${i}] is NaN`;
    return null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = badValue(value[i], `${path}[${i}]`, seen);
      if (found) return found;
    }
    return null;
  }
  for (const k of Object.keys(value)) {
    const found = badValue(value[k], `${path}.${k}`, seen);
    if (found) return found;
  }
  return null;
}

/**
 * Calls `fn` and returns what went wrong, or null when it returned a clean result or threw a
 * CbmError and left its arguments as they were. An async function is judged by how its promise settles.
 */
async function problemOf(fn, args) {
  const before = args.map((a) => snapshot(a));
  let problem = null;
  try {
    let result = fn(...args);
    if (result instanceof Promise) result = await result;
    problem = result === undefined ? null : badValue(result);
  } catch (error) {
    problem = judge(error);
  }
  if (problem !== null) return problem;
  const changed = args.findIndex((a, i) => snapshot(a) !== before[i]);
  return changed >= 0 ? `a change to argument ${changed}` : null;
}

const functions = exportedFunctions();
let duck = null;

async function fuzz(name, seed, runs) {
  // The watchdog starts here, once the package is loaded (loading it is not a call).
  parentPort.postMessage({ kind: 'call', input: `${name}: starting` });
  if (name === 'harness:hang') for (;;);
  if (name === 'harness:oom') {
    const hoard = [];
    // On-heap arrays of doubles (a typed array's memory is off the heap the limit bounds).
    for (;;) hoard.push(new Array(100_000).fill(hoard.length + 0.5));
  }
  const fn = functions.get(name);
  if (!fn) return `no export '${name}'`;
  // The warehouse functions take a database first: a real in-memory DuckDB in half the calls.
  duck ??= await entries.warehouse.openDuckDB(':memory:');
  const takesDatabase = name in entries.warehouse && !(name in entries.sql);
  const opener = OPENERS.has(name);
  try {
    await fc.assert(
      fc.asyncProperty(opener ? openerLists : argumentLists, fc.boolean(), async (generated, withDatabase) => {
        const args = withDatabase && takesDatabase && !opener ? [duck, ...generated.slice(1)] : generated;
        parentPort.postMessage({ kind: 'call', input: `${name}(${args.map((a) => snapshot(a).slice(0, 120)).join(', ')})`.slice(0, 600) });
        const problem = await problemOf(fn, args);
        if (problem !== null) throw new Error(`${name}(${args.length} args): ${problem}`);
      }),
      { seed, numRuns: runs },
    );
    return null;
  } catch (error) {
    // fast-check's report (counterexample, seed, path), then what the failing call did.
    return error instanceof Error ? `${error.message}${error.cause instanceof Error ? `\n${error.cause.message}` : ''}` : String(error);
  } finally {
    // The parallel entry's pool would otherwise keep this worker's threads for the next export.
    if (name in entries.parallel) await entries.parallel.closeWorkers();
  }
}

parentPort?.on('message', async ({ name, seed, runs }) => {
  const problem = await fuzz(name, seed, runs);
  parentPort.postMessage(problem === null ? { kind: 'done' } : { kind: 'failed', problem });
});
