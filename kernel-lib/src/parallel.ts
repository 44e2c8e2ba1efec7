/**
 * @cbm-kit/kernel-lib/parallel – Monte Carlo on worker threads (Node only). Kept out of the
 * numeric root entry, which the browser and Excel bundles load, because it imports
 * node:worker_threads; the kernel it runs is the root's own.
 *
 * @example
 * import { simulateRevenueParallel } from '@cbm-kit/kernel-lib/parallel';
 * const { summary } = await simulateRevenueParallel({ churnProbabilities: [0.5], revenues: [10], simulations: 1000, seed: 1 });
 */
export { simulateRevenueParallel, closeWorkers, type ParallelOptions } from './simulate/parallel';
