/**
 * Run one attempt's `work` on a session until its lifeline ends. `work` is given a signal that
 * aborts when the attempt's does or when the lifeline does; in the second case the returned
 * promise rejects at once with the lifeline's reason, because a destroyed GramJS client leaves
 * what it was sent unanswered for ever.
 */
export async function whileSessionLives<T>(
  attempt: AbortSignal,
  lifeline: AbortSignal,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  lifeline.throwIfAborted();
  const both = new AbortController();
  let onLost = () => {};
  const lost = new Promise<never>((_, reject) => {
    onLost = () => {
      both.abort(lifeline.reason);
      reject(lifeline.reason);
    };
  });
  const onAttempt = () => both.abort(attempt.reason);
  if (attempt.aborted) onAttempt();
  else attempt.addEventListener('abort', onAttempt, { once: true });
  lifeline.addEventListener('abort', onLost, { once: true });
  try {
    return await Promise.race([work(both.signal), lost]);
  } finally {
    attempt.removeEventListener('abort', onAttempt);
    lifeline.removeEventListener('abort', onLost);
  }
}
