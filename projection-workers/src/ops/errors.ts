/** Input an ops command refuses before doing anything: the CLI prints it and exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
