/** @module One errors module: each error class carries a stable `code` that callers branch on. */

export type ErrorCode =
  | "E_USAGE"
  | "E_NOT_A_CAPTURE"
  | "E_INPUT_UNREADABLE"
  | "E_OUTPUT_UNWRITABLE"
  | "E_UNKNOWN_SCENARIO";

/** Base class of errors Portent raises on purpose; anything else is a bug. */
export class PortentError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "PortentError";
  }
}

/** A command line that cannot be understood: exit code 2. */
export class UsageError extends PortentError {
  constructor(message: string) {
    super("E_USAGE", message);
    this.name = "UsageError";
  }
}

/** An input that is not a pcap or pcapng file at all (after any gzip layer). */
export class NotACaptureError extends PortentError {
  constructor(
    readonly file: string,
    readonly firstBytes: Uint8Array,
  ) {
    const hex = Array.from(firstBytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(
      " ",
    );
    super(
      "E_NOT_A_CAPTURE",
      `${file}: not a pcap or pcapng file (first bytes: ${hex || "none, the file is empty"})`,
    );
    this.name = "NotACaptureError";
  }
}

/** An input that cannot be opened or read. */
export class InputError extends PortentError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super("E_INPUT_UNREADABLE", `${file}: ${reason}`);
    this.name = "InputError";
  }
}
