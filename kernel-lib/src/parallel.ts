/**
 * @cbm-kit/kernel-lib/parallel – Monte Carlo and the logistic fit on worker threads (Node only).
 * Kept out of the numeric root entry, which the browser and Excel bundles load, because it imports
 * node:worker_threads; the kernels it runs are the root's own, with the same results.
 *
 * @example
 * import { simulateRevenueParallel } from '@cbm-kit/kernel-lib/parallel';
 * const { summary } = await simulateRevenueParallel({ churnProbabilities: [0.5], revenues: [10], simulations: 1000, seed: 1 });
 */
export { simulateRevenueParallel, type ParallelOptions } from './simulate/parallel';
export { fitLogitParallel, type ParallelFitOptions } from './model/parallelFit';
export { closeWorkers } from './workerPool';
