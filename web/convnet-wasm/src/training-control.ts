// The one pause / resume / stop state machine of training. fit() consults it between batches;
// a page's buttons, the package's worker and the app's worker all drive training through it.
// It also keeps the time spent paused, so epoch times and throughput leave pauses out.

export type TrainingState = 'idle' | 'training' | 'paused' | 'stopping';

export class TrainingControl {
  private _state: TrainingState = 'idle';
  private waiters: Array<() => void> = [];
  private listeners = new Set<(state: TrainingState) => void>();
  private pausedSince = 0;
  private pausedTotal = 0;

  get state(): TrainingState {
    return this._state;
  }

  /** Calls listener on every state change; returns a function that unsubscribes. */
  onChange(listener: (state: TrainingState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Pauses after the current batch (only while training). */
  pause(): TrainingState {
    if (this._state === 'training') {
      this.pausedSince = performance.now();
      this.set('paused');
    }
    return this._state;
  }

  resume(): TrainingState {
    if (this._state === 'paused') this.set('training');
    return this._state;
  }

  /** Ends training after the current batch; a paused run wakes up to end. */
  stop(): TrainingState {
    if (this._state === 'training' || this._state === 'paused') this.set('stopping');
    return this._state;
  }

  get stopping(): boolean {
    return this._state === 'stopping';
  }

  /** Milliseconds spent paused since begin(), including a pause still running. */
  pausedMs(): number {
    return this.pausedTotal + (this._state === 'paused' ? performance.now() - this.pausedSince : 0);
  }

  /** fit() claims the control for one run; a control drives one run at a time. */
  begin(): void {
    if (this._state !== 'idle')
      throw new Error(`a training run is already using this control (state '${this._state}')`);
    this.pausedTotal = 0;
    this.set('training');
  }

  /** fit() releases the control when the run ends, however it ends. */
  end(): void {
    this.set('idle');
  }

  /** Waits while paused (or until the signal aborts); resolves at once otherwise. */
  async whilePaused(signal?: AbortSignal): Promise<void> {
    while (this._state === 'paused' && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }

  private set(state: TrainingState): void {
    if (this._state === 'paused' && state !== 'paused') this.pausedTotal += performance.now() - this.pausedSince;
    this._state = state;
    if (state !== 'paused') {
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    }
    for (const l of this.listeners) l(state);
  }
}
