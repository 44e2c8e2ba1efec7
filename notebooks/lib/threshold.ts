/**
 * The threshold advice notebooks 01 and 02 share: the threshold a of the sweep grid with the highest
 * campaign profit TP·B − selected·F, found on the training rows (notebook 02 shows the sweep; notebook
 * 01's target-list.md names the same a beside the chapter's 0.8).
 */
import { campaignMetrics, type CampaignMetrics } from '@cbm-kit/kernel-lib';

/** The thresholds of the notebooks' sweeps: 0, 0.05, …, 0.95 (thresholdSweep's default grid). */
export const THRESHOLD_GRID: readonly number[] = Array.from({ length: 20 }, (_, k) => k / 20);

/** The threshold of `grid` with the highest profit on (scores, outcomes); on a tie the lowest such a (the wider reach). */
export function bestProfitThreshold(
  scores: ArrayLike<number>,
  outcomes: readonly number[],
  economics: { profit: number; cost: number },
  grid: readonly number[] = THRESHOLD_GRID,
): { threshold: number; metrics: CampaignMetrics } {
  let best = { threshold: grid[0], metrics: campaignMetrics(scores, outcomes, grid[0], economics) };
  for (const threshold of grid.slice(1)) {
    const metrics = campaignMetrics(scores, outcomes, threshold, economics);
    if ((metrics.profit as number) > (best.metrics.profit as number)) best = { threshold, metrics };
  }
  return { threshold: best.threshold, metrics: best.metrics };
}
