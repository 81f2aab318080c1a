// Editor presets (plain data, no engine import, so the page can use them).
import type { ModelConfig } from './messages.js';

export const PRESETS: Record<'residual' | 'xception' | 'tiny', Pick<ModelConfig, 'kind' | 'stages' | 'blocksPerStage' | 'conv' | 'batchNorm' | 'dropout'>> = {
  // Seed model A: residual blocks of 32, 64, 128 filters.
  residual: { kind: 'residual', stages: [32, 64, 128], blocksPerStage: 1, conv: 'regular', batchNorm: false, dropout: 0 },
  // Seed model B: Xception-like, separable convs, BN, dropout 0.5.
  xception: { kind: 'xception', stages: [32, 64, 128, 256, 512], blocksPerStage: 1, conv: 'separable', batchNorm: true, dropout: 0.5 },
  // A quick model for small images and tests.
  tiny: { kind: 'residual', stages: [8, 16], blocksPerStage: 1, conv: 'regular', batchNorm: false, dropout: 0 },
};
