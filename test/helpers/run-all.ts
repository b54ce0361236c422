/**
 * Runs every cleanup in order, each even if an earlier one failed, then throws what failed
 * (together). For teardown, where one stuck server must not keep a database from being dropped.
 */
export async function runAll(cleanups: ReadonlyArray<() => unknown>, failure: string): Promise<void> {
  const errors: unknown[] = [];
  for (const cleanup of cleanups) {
    try {
      await cleanup();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, failure);
}
