/** A usage problem found after parsing (say, a file that cannot be read): one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * One line for an error, with the distinct reasons nested inside it (AggregateError-style `errors`,
 * or `cause`): "metadata failed 4 times: Cannot connect to any broker." rather than the outer line alone.
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const errors: unknown = (err as { errors?: unknown }).errors;
  const nested = [...(Array.isArray(errors) ? errors : []), ...(err.cause !== undefined ? [err.cause] : [])]
    .map((e) => (e instanceof Error ? describeError(e) : String(e)))
    .filter((m, i, all) => m && all.indexOf(m) === i && m !== err.message);
  const head = err.message.replace(/[.:]\s*$/, '');
  return nested.length > 0 ? `${head}: ${nested.join('; ')}` : err.message;
}
