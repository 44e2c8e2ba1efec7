/**
 * Every public function of every entry of the built package (root, datasets, charts, sql, render,
 * warehouse, parallel), called with arbitrary JSON-ish values (fast-check's `anything`: nested
 * arrays and objects, keys such as `__proto__` and `constructor`, BigInt, Date, typed arrays,
 * sparse arrays, huge and non-finite numbers), mixed with plausible values (score arrays, rows,
 * formulas, filters, an open in-memory DuckDB for the warehouse functions) so that calls get past
 * the first check. The properties (issue 18): nothing but a CbmError escapes (no TypeError, no
 * RangeError); a returned result holds no NaN and no undefined (an overflow is NON_FINITE, not a
 * NaN summary); the arguments are exactly as they were (no input mutated); every call is bounded
 * in time and memory. The calls run in a worker thread (test/helpers/fuzzProbe.mjs) with a 512 MB
 * heap and a watchdog: a call that runs 30 s without returning, or exhausts the heap, ends the
 * worker (never this process) and fails the export's test with the input that did it. No wall-clock
 * time is asserted: 30 s is a hang on any machine, where each call takes milliseconds.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module without types, shared with the worker it runs in.
import { exportedFunctions } from './helpers/fuzzProbe.mjs';

const PROBE = join(__dirname, 'helpers', 'fuzzProbe.mjs');
/** A call that has not returned after this long is a hang. */
const HANG_MS = 30_000;
const HEAP_MB = 512;

/** A probe worker, reused from one export to the next until a hang or a crash ends it. */
class Probe {
  private worker: Worker | null = null;
  constructor(private readonly limits: { hangMs: number; heapMb: number }) {}

  /** Fuzzes one export in the worker; resolves to null, or to what went wrong, naming the export and the input. */
  run(name: string, seed: number, runs: number): Promise<string | null> {
    this.worker ??= new Worker(PROBE, { resourceLimits: { maxOldGenerationSizeMb: this.limits.heapMb } });
    const worker = this.worker;
    return new Promise((resolve) => {
      let last = '(before its first call)';
      let timer: NodeJS.Timeout | undefined;
      const finish = (problem: string | null, end: boolean) => {
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (end) {
          this.worker = null;
          void worker.terminate();
        }
        resolve(problem);
      };
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => finish(`${name}: a call ran ${this.limits.hangMs / 1000} s without returning (ended): ${last}`, true), this.limits.hangMs);
      };
      const onMessage = (message: { kind: 'call'; input: string } | { kind: 'done' } | { kind: 'failed'; problem: string }) => {
        if (message.kind === 'call') {
          last = message.input;
          arm();
        } else finish(message.kind === 'done' ? null : message.problem, false);
      };
      const onError = (error: Error & { code?: string }) => finish(`${name}: the call ended its worker (${error.code ?? error.name}: ${error.message}): ${last}`, true);
      const onExit = (code: number) => finish(`${name}: the worker exited with code ${code}: ${last}`, true);
      // The watchdog is armed by the probe's first message, so a worker still loading the package is no hang.
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      worker.postMessage({ name, seed, runs });
    });
  }

  close(): Promise<number> | undefined {
    return this.worker?.terminate();
  }
}

const names: string[] = [...(exportedFunctions() as Map<string, unknown>).keys()];
const probe = new Probe({ hangMs: HANG_MS, heapMb: HEAP_MB });
afterAll(() => probe.close());

/**
 * Functions that still let another error escape, each with the reason; they are expected to
 * fail here (it.fails), so fixing one makes this test say so and the entry must be removed.
 */
const KNOWN_FAILURES: Record<string, string> = {
  // none at present
};

describe('fuzz: every public function of every entry throws only CbmErrors, returns no NaN or undefined, mutates no input, and returns', () => {
  it('covers the public functions of every entry, the parallel one too', () => {
    expect(names.length).toBeGreaterThan(100);
    for (const name of ['filterRows', 'parseFilter', 'filterSQL', 'renderSvg', 'loadFiles', 'readLoad', 'buildDashboardTables', 'saveDriftReport', 'openDuckDB'])
      expect(names).toContain(name);
    for (const name of ['simulateRevenueParallel', 'fitLogitParallel', 'closeWorkers', 'guardSpreadsheetText', 'LogitModel.fromJSON']) expect(names).toContain(name);
  });

  it('the harness fails a call that hangs and one that exhausts its heap, naming the export, and carries on with a new worker', { timeout: 120_000 }, async () => {
    const strict = new Probe({ hangMs: 10_000, heapMb: 64 });
    try {
      expect(await strict.run('harness:hang', 1, 1)).toMatch(/^harness:hang: a call ran 10 s without returning/);
      expect(await strict.run('harness:oom', 1, 1)).toMatch(/^harness:oom: the call ended its worker \(ERR_WORKER_OUT_OF_MEMORY/);
      expect(await strict.run('normalQuantile', 1, 20)).toBeNull();
    } finally {
      await strict.close();
    }
  });

  for (const name of names) {
    const run = KNOWN_FAILURES[name] ? it.fails : it;
    run(`${name}${KNOWN_FAILURES[name] ? ` (known: ${KNOWN_FAILURES[name]})` : ''}`, { timeout: 300_000 }, async () => {
      const problem = await probe.run(name, Number(process.env.FUZZ_SEED ?? 20260), Number(process.env.FUZZ_RUNS ?? 300));
      expect(problem, name).toBeNull();
    });
  }
});
