/**
 * The Newton sums by row blocks (kernel-lib/src/model/irls.ts): each block's log-likelihood,
 * gradient and Hessian go to the block's own slot, whichever thread sums it, so fitLogitParallel's
 * threads may take blocks in any order (evaluateClaimedBlocks, a shared counter) and the merged
 * answer is fitLogit's to the bit. Reference: the property itself, against evaluateBlocks summing
 * every block in order on one thread (test/fit-parallel.test.ts checks the whole fits against R).
 */
import { describe, expect, it } from 'vitest';
import { seededUniform } from '../kernel-lib/src/index';
import { blockCount, blockSumsLength, evaluateBlocks, evaluateClaimedBlocks, mergeBlocks, SUM_BLOCK } from '../kernel-lib/src/model/irls';
import type { NewtonRequest } from '../kernel-lib/src/model/newton';

const n = 4 * SUM_BLOCK + 1234; // five blocks, the last one short
const draw = seededUniform(20261207);
const x = [0, 1, 2].map(() => Float64Array.from({ length: n }, () => draw() * 4 - 2));
const columns = [new Float64Array(n).fill(1), ...x];
const y = Float64Array.from({ length: n }, (_, i) => (draw() < 1 / (1 + Math.exp(-(0.5 + x[0][i] - x[1][i] * x[2][i]))) ? 1 : 0));
const p = columns.length;
const request: NewtonRequest = { beta: Float64Array.of(0.4, 0.9, -0.2, 0.1), need: 'hessian' };

function merged(sums: Float64Array) {
  const { logLik, gradient, hessian, perfect, extreme } = mergeBlocks(sums, p, 'hessian', new Float64Array(p), new Float64Array(p * p));
  return { logLik, gradient: Array.from(gradient ?? []), hessian: Array.from(hessian ?? []), perfect, extreme };
}

describe('Newton sums by blocks', () => {
  const reference = new Float64Array(blockSumsLength(n, p));
  evaluateBlocks(columns, y, request, 0, 0, blockCount(n), reference);

  it('blocks claimed from a counter land in their own slots: claimed from block 2 on, blocks 0–1 untouched, the rest equal to the bit', () => {
    const sums = new Float64Array(blockSumsLength(n, p)).fill(Number.NaN);
    const claims = Int32Array.of(2);
    evaluateClaimedBlocks(columns, y, request, 0, claims, sums);
    const stride = sums.length / blockCount(n);
    expect(Array.from(sums.subarray(0, 2 * stride)).every(Number.isNaN)).toBe(true);
    expect(Array.from(sums.subarray(2 * stride))).toEqual(Array.from(reference.subarray(2 * stride)));
    expect(claims[0]).toBe(blockCount(n) + 1); // one claim past the last block ends the loop
  });

  it('however the blocks are shared out, the merged answer is the one of every block in order', () => {
    for (const first of [0, 1, 3, 5]) {
      const sums = new Float64Array(blockSumsLength(n, p));
      evaluateClaimedBlocks(columns, y, request, 0, Int32Array.of(first), sums); // one "thread" from `first` on
      evaluateBlocks(columns, y, request, 0, 0, first, sums); // another took the blocks before
      expect(merged(sums)).toEqual(merged(reference));
    }
  });

  it('an exhausted counter evaluates nothing', () => {
    const sums = new Float64Array(blockSumsLength(n, p)).fill(7);
    evaluateClaimedBlocks(columns, y, request, 0, Int32Array.of(blockCount(n)), sums);
    expect(Array.from(sums).every((v) => v === 7)).toBe(true);
  });
});
