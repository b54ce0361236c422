/**
 * Problems the console found in what Didit sent about a session (as opposed to Didit's own
 * warnings). The session keeps the codes (`verification_session.data_problems`) and shows each
 * problem to the analyst as a warning the console raised, in the same list as Didit's.
 */

export const dataProblemCodes = ['liveness_score_out_of_range', 'face_match_score_out_of_range'] as const;
export type DataProblemCode = (typeof dataProblemCodes)[number];

/** The warning code (`risk`) of a warning the console raised itself; Didit never sends it. */
export const SCORE_OUT_OF_RANGE = 'SCORE_OUT_OF_RANGE';

/** Warning codes raised by the console rather than by Didit. */
export const consoleWarningCodes: readonly string[] = [SCORE_OUT_OF_RANGE];

/** Scores are percentages (docs/didit-contract.md §8): anything else is not stored. */
export const SCORE_MIN = 0;
export const SCORE_MAX = 100;
