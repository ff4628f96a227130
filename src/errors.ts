/**
 * An error caused by what the user gave us (a suite file, a flag, an archive): the CLI prints its
 * message on one line and exits non-zero, without a stack trace. The message names the file and field.
 */
export class UserError extends Error {
  override name = 'UserError';
}
