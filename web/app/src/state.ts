// The page's shared state and a tiny event bus between the panels.
import type { EngineInfo } from 'convnet-wasm';
import type { Collected } from './data/collect.js';
import type { WorkerClient } from './train/client.js';
import type {
  DatasetSummary,
  EpochRecord,
  ModelConfig,
  ModelInfo,
  TrainState,
  ValidationResult,
} from './train/messages.js';

export interface AppState {
  engine: EngineInfo | null;
  collected: Collected | null;
  dataset: DatasetSummary | null;
  model: ModelInfo | null;
  modelConfig: ModelConfig | null;
  history: EpochRecord[];
  validation: ValidationResult | null;
  trainState: TrainState;
}

export type AppEvent = 'dataset' | 'model' | 'history' | 'validation' | 'train-state';

export class App {
  readonly state: AppState = {
    engine: null,
    collected: null,
    dataset: null,
    model: null,
    modelConfig: null,
    history: [],
    validation: null,
    trainState: 'idle',
  };
  private bus = new EventTarget();

  constructor(readonly worker: WorkerClient) {}

  emit(event: AppEvent): void {
    this.bus.dispatchEvent(new Event(event));
  }

  on(event: AppEvent, fn: () => void): void {
    this.bus.addEventListener(event, fn);
  }

  /** Switches the visible screen (set by ui/tabs.ts). */
  selectTab: (name: string) => void = () => {};
}
