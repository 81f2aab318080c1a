// Editor presets (plain data, no engine import, so the page can use them). Each carries the
// training settings with which it visibly learns on the built-in sample within its epochs
// (measured by tests/e2e-training.mjs; see the README's presets table).
import type { ModelConfig, TrainConfig } from './messages.js';

type Preset = Pick<ModelConfig, 'kind' | 'stages' | 'blocksPerStage' | 'conv' | 'batchNorm' | 'dropout'> & {
  train: Pick<TrainConfig, 'epochs' | 'learningRate' | 'optimizer'>;
};

export const PRESETS: Record<'residual' | 'xception' | 'tiny', Preset> = {
  // Seed model A: residual blocks of 32, 64, 128 filters.
  residual: {
    kind: 'residual',
    stages: [32, 64, 128],
    blocksPerStage: 1,
    conv: 'regular',
    batchNorm: false,
    dropout: 0,
    train: { epochs: 10, learningRate: 1e-3, optimizer: 'adam' },
  },
  // Seed model B: Xception-like, separable convs, BN, dropout 0.5.
  xception: {
    kind: 'xception',
    stages: [32, 64, 128, 256, 512],
    blocksPerStage: 1,
    conv: 'separable',
    batchNorm: true,
    dropout: 0.5,
    train: { epochs: 10, learningRate: 1e-3, optimizer: 'adam' },
  },
  // A quick model for small images and tests.
  tiny: {
    kind: 'residual',
    stages: [16, 32],
    blocksPerStage: 1,
    conv: 'regular',
    batchNorm: false,
    dropout: 0,
    train: { epochs: 5, learningRate: 3e-3, optimizer: 'adam' },
  },
};
