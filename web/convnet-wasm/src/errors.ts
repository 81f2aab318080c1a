// Errors: every engine failure ({error, code} from the bindings) and every argument check in the
// package throws a ConvnetError, a plain Error with the engine's (or our) message and a code.
import type { EngineError } from './engine-types.js';

export class ConvnetError extends Error {
  /** The engine's status code name (e.g. 'invalid_argument', 'numeric_error') or the package's. */
  readonly code: string;
  constructor(message: string, code = 'error') {
    super(message);
    this.name = 'ConvnetError';
    this.code = code;
  }
}

/** Throws the engine's error, prefixed with what we were doing; returns the result otherwise. */
export function check<T extends object>(result: T | EngineError, context?: string): T {
  const r = result as { error?: string; code?: string };
  if (typeof r.error === 'string') {
    throw new ConvnetError(context ? `${context}: ${r.error}` : r.error, r.code ?? 'engine');
  }
  return result as T;
}

export function argError(message: string): ConvnetError {
  return new ConvnetError(message, 'invalid_argument');
}
