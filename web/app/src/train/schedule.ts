// Learning-rate schedules, evaluated per batch: constant, step (halve every quarter of the
// run), cosine decay to zero, exponential decay to a tenth over the run.
import type { TrainConfig } from './messages.js';

export function learningRateAt(
  cfg: Pick<TrainConfig, 'learningRate' | 'schedule' | 'epochs'>,
  epoch: number,
  batch: number,
  batches: number,
): number {
  const total = Math.max(1, cfg.epochs * batches);
  const t = Math.min(1, (epoch * batches + batch) / total);
  switch (cfg.schedule) {
    case 'step':
      return cfg.learningRate * 0.5 ** Math.floor(t * 4);
    case 'cosine':
      return cfg.learningRate * 0.5 * (1 + Math.cos(Math.PI * t));
    case 'exponential':
      return cfg.learningRate * 0.1 ** t;
    default:
      return cfg.learningRate;
  }
}
