/** @module The shape of a CLI command: each command is one file exporting one of these. */

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full `--help` text: usage, options, examples. */
  help: string;
  /** Runs the command; resolves with the exit code (0 ok, 1 failure, 2 usage error). */
  run(argv: string[]): Promise<number>;
}
