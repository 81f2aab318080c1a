// The one list of ConvnetError codes. The engine's are the names in src/core/status-codes.inc
// (the engine hands them over as they are; tests/error-codes.test.mjs checks this list against
// that file and against the built engine's statusCodes()); the package adds its own few.

/** Codes of errors the engine returns, in status-codes.inc order. */
export const ENGINE_ERROR_CODES = [
  'invalid_argument',
  'shape_mismatch',
  'unsupported',
  'parse_error',
  'out_of_memory',
  'numeric_error',
  'failed_precondition',
] as const;

/** Codes only the package raises. */
export const PACKAGE_ERROR_CODES = [
  /** The model or trainer was disposed. */
  'disposed',
  /** Something this platform or build lacks (threads without isolation, writing files in a browser). */
  'unavailable',
  /** A file a model.json names could not be read. */
  'not_found',
  /** The engine trapped or aborted, or its worker died: restart the Trainer (or reload the page). */
  'engine_stopped',
  /** An error without a code of its own (a bug: please report it). */
  'internal',
] as const;

export type ErrorCode = (typeof ENGINE_ERROR_CODES)[number] | (typeof PACKAGE_ERROR_CODES)[number];

export const ERROR_CODES: readonly ErrorCode[] = [...ENGINE_ERROR_CODES, ...PACKAGE_ERROR_CODES];
