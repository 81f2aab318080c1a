// The Train screen's settings (optimizer, rate, schedule, batch, epochs) read from and written
// to its fields: shared by the Train screen and the Model screen (presets set them).
import type { TrainConfig } from '../train/messages.js';
import { $input, $select } from './dom.js';

export function trainConfig(): TrainConfig {
  return {
    epochs: Math.max(1, Math.floor(Number($input('t-epochs').value) || 1)),
    batchSize: Math.max(1, Math.floor(Number($input('t-batch').value) || 32)),
    optimizer: $select('t-opt').value as TrainConfig['optimizer'],
    learningRate: Number($input('t-lr').value) || 1e-3,
    schedule: $select('t-schedule').value as TrainConfig['schedule'],
    vizEvery: 5,
  };
}

export function setTrainConfig(t: TrainConfig): void {
  $input('t-epochs').value = String(t.epochs);
  $input('t-batch').value = String(t.batchSize);
  $select('t-opt').value = t.optimizer;
  $input('t-lr').value = String(t.learningRate);
  $select('t-schedule').value = t.schedule;
}
