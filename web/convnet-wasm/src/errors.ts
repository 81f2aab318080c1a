// Errors: every engine failure ({error, code} from the bindings) and every argument check in the
// package throws a ConvnetError, a plain Error with the engine's (or our) message and a code.
import type { EngineError } from './engine-types.js';
import { ERROR_CODES } from './error-codes.js';
import type { ErrorCode } from './error-codes.js';

export class ConvnetError extends Error {
  /** One of ERROR_CODES (error-codes.ts): the engine's code (e.g. 'invalid_argument') or the package's. */
  readonly code: ErrorCode;
  constructor(message: string, code: ErrorCode = 'internal') {
    super(message);
    this.name = 'ConvnetError';
    this.code = code;
  }
}

/** Throws the engine's error, prefixed with what we were doing; returns the result otherwise. */
export function check<T extends object>(result: T | EngineError, context?: string): T {
  const r = result as { error?: string; code?: string };
  if (typeof r.error === 'string') {
    throw new ConvnetError(context ? `${context}: ${r.error}` : r.error, asErrorCode(r.code));
  }
  return result as T;
}

export function argError(message: string): ConvnetError {
  return new ConvnetError(message, 'invalid_argument');
}

/** A code from the engine or the wire as an ErrorCode ('internal' for anything unknown). */
export function asErrorCode(code: unknown): ErrorCode {
  return (ERROR_CODES as readonly unknown[]).includes(code) ? (code as ErrorCode) : 'internal';
}
