/**
 * Results cached per identical input: Excel recalculates a formula whenever anything upstream
 * changes, and a model fit or a simulation over the same cells gives the same answer (seeded),
 * so the second call returns the stored result. A key is a hash of the function name and every
 * argument cell; a hit is confirmed by comparing the arguments cell by cell (for a large input in
 * slices with yields, getYielding), so a hash collision can never return another input's result. The cache keeps the most recent `capacity` entries.
 */
export class ResultCache<T> {
  private readonly entries = new Map<string, { args: unknown[]; result: T }[]>();
  private order: string[] = [];
  private size = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly capacity = 64) {}

  /** The stored result for these arguments, if any; `key` is their hash when the caller has it (keyOf). */
  get(name: string, args: readonly unknown[], key = hashArguments(name, args)): T | undefined {
    const found = this.entries.get(key)?.find((e) => sameValue(e.args, args));
    return this.counted(found);
  }

  /**
   * get() for a large input: a stored entry with the same key is confirmed cell by cell a range's
   * rows at a time, with a yield to the event loop every `sliceMs` (sameValueYielding), so a hit on
   * 100,000 rows is not one long block of Excel's page.
   */
  async getYielding(args: readonly unknown[], key: string, sliceMs = SLICE_MS): Promise<T | undefined> {
    // A copy of the bucket: an entry stored or evicted during a yield changes the live array.
    for (const entry of [...(this.entries.get(key) ?? [])]) if (await sameValueYielding(entry.args, args, sliceMs)) return this.counted(entry);
    return this.counted(undefined);
  }

  private counted(found: { result: T } | undefined): T | undefined {
    if (found) this.hits++;
    else this.misses++;
    return found?.result;
  }

  /** The hash get and set key an entry by: computed once when a call both looks up and stores. */
  keyOf(name: string, args: readonly unknown[]): string {
    return hashArguments(name, args);
  }

  /**
   * Stores a result. `copy` false keeps the caller's argument arrays instead of a copy: Excel hands
   * each call fresh arrays and never changes them, and copying 100,000 rows would block the page.
   */
  set(name: string, args: readonly unknown[], result: T, key = hashArguments(name, args), copy = true): void {
    let bucket = this.entries.get(key);
    if (!bucket) {
      bucket = [];
      this.entries.set(key, bucket);
    }
    // A caller could mutate its own arrays later: keep a copy unless told otherwise.
    bucket.push({ args: copy ? structuredCopy(args) : [...args], result });
    this.order.push(key);
    this.size++;
    while (this.size > this.capacity) {
      const oldest = this.order.shift()!;
      const b = this.entries.get(oldest)!;
      b.shift();
      if (b.length === 0) this.entries.delete(oldest);
      this.size--;
    }
  }

  clear(): void {
    this.entries.clear();
    this.order = [];
    this.size = 0;
  }
}

function structuredCopy(args: readonly unknown[]): unknown[] {
  const copy = (v: unknown): unknown => (Array.isArray(v) ? v.map(copy) : v);
  return args.map(copy);
}

/** The number of cells in the arguments (arrays counted through), stopping once past `limit`. */
export function cellCount(args: readonly unknown[], limit: number): number {
  let count = 0;
  const visit = (v: unknown): void => {
    if (count > limit) return;
    if (Array.isArray(v)) for (let i = 0; i < v.length && count <= limit; i++) visit(v[i]);
    else count++;
  };
  args.forEach(visit);
  return count;
}

/** Deep equality of argument values (arrays of cells; numbers compared with Object.is, so NaN equals NaN). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  return Object.is(a, b) || (a === undefined && b === undefined);
}

/** The longest stretch of hashing or comparing between two yields to Excel's event loop. */
export const SLICE_MS = 20;

/** Yields to the event loop (a 0 ms timer) once `sliceMs` has passed since the last yield; checked every 1,024 rows. */
function slicer(sliceMs: number): (row: number) => Promise<void> | undefined {
  let sliceStart = Date.now();
  return (row) => {
    if ((row & 1023) !== 0 || Date.now() - sliceStart <= sliceMs) return undefined;
    return new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => {
      sliceStart = Date.now();
    });
  };
}

/** sameValue over two argument lists, a range's rows at a time with a yield every `sliceMs`: the same answer, never one long block. */
export async function sameValueYielding(a: readonly unknown[], b: readonly unknown[], sliceMs = SLICE_MS): Promise<boolean> {
  if (a.length !== b.length) return false;
  const pause = slicer(sliceMs);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (!Array.isArray(x) || !Array.isArray(y)) {
      if (!sameValue(x, y)) return false;
      continue;
    }
    if (x.length !== y.length) return false;
    for (let r = 0; r < x.length; r++) {
      const wait = pause(r);
      if (wait) await wait;
      if (!sameValue(x[r], y[r])) return false;
    }
  }
  return true;
}

/** cyrb53-style mixing of cells into two 32-bit states; `key` folds them into a 53-bit string. */
function hasher() {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  const f64 = new Float64Array(1);
  const u32 = new Uint32Array(f64.buffer);
  const mixString = (s: string) => {
    h1 = Math.imul(h1 ^ s.length, 2246822507);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
  };
  const mixTag = (tag: number) => {
    h1 = Math.imul(h1 ^ tag, 2654435761);
    h2 = Math.imul(h2 ^ tag, 1597334677);
  };
  const mix = (v: unknown): void => {
    if (Array.isArray(v)) {
      mixTag(0x5b000000 + v.length);
      for (let i = 0; i < v.length; i++) mix(v[i]);
    } else if (typeof v === 'number') {
      f64[0] = v;
      h1 = Math.imul(h1 ^ u32[0], 2654435761);
      h2 = Math.imul(h2 ^ u32[1], 1597334677);
      h1 = Math.imul(h1 ^ 0x6e, 2246822507);
    } else if (typeof v === 'string') {
      mixTag(0x73);
      mixString(v);
    } else if (v === true || v === false) mixTag(v ? 0x74 : 0x66);
    else if (v === null) mixTag(0x6c);
    else if (v === undefined) mixTag(0x75);
    else mixString(typeof v + ':' + String(v));
  };
  const key = () => {
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
  };
  return { mixString, mixTag, mix, key };
}

/** A 53-bit string key over the arguments (cyrb53-style mixing of every cell). */
export function hashArguments(name: string, args: readonly unknown[]): string {
  const h = hasher();
  h.mixString(name);
  args.forEach((a, i) => {
    h.mixString('|' + i);
    h.mix(a);
  });
  return h.key();
}

/**
 * hashArguments' key, computed a range's rows at a time with a yield to the event loop every
 * `sliceMs`: hashing 100,000 rows at once would be one long block of Excel's page.
 */
export async function hashArgumentsYielding(name: string, args: readonly unknown[], sliceMs = SLICE_MS): Promise<string> {
  const h = hasher();
  const pause = slicer(sliceMs);
  h.mixString(name);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    h.mixString('|' + i);
    if (!Array.isArray(a)) {
      h.mix(a);
      continue;
    }
    // The same mixing as mix(a), row by row.
    h.mixTag(0x5b000000 + a.length);
    for (let r = 0; r < a.length; r++) {
      const wait = pause(r);
      if (wait) await wait;
      h.mix(a[r]);
    }
  }
  return h.key();
}
