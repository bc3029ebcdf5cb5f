/**
 * Iterates `it` until `signal` aborts, then ends quietly. Ctrl-C is how a following command
 * (`ingest --follow`, a live feed) ends: the source may be mid-request or in a retry's back-off
 * when it comes and rethrow the abort reason, but every batch already yielded was committed with
 * its cursor, so the interrupt is a clean stop, not a failure with a stack trace. Errors before
 * the interrupt propagate unchanged.
 */
export async function* untilInterrupted<T>(it: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  try {
    // Batches a source still yields after the interrupt (it decides where to stop) are kept.
    for await (const x of it) yield x;
  } catch (e) {
    if (!signal.aborted) throw e;
  }
}
