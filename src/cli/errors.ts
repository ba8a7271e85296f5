/** A usage problem found after parsing (say, a file that cannot be read): one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
