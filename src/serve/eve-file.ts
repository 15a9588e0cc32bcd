/** @module Writes EVE JSON lines (one record per line, as Suricata's eve.json) to a file or stdout. */

import { closeSync, openSync, writeSync } from "node:fs";

/** Bytes gathered before one write: few system calls, bounded memory. */
const FLUSH_BYTES = 1 << 16;

/** An append-only EVE file. Synchronous writes keep the records in the order they were made. */
export class EveFile {
  private readonly fd: number;
  private readonly owned: boolean;
  private pending: string[] = [];
  private pendingBytes = 0;
  records = 0;

  /** Opens (truncating) `path`; "-" writes to standard output. */
  constructor(readonly path: string) {
    this.owned = path !== "-";
    this.fd = this.owned ? openSync(path, "w") : 1;
  }

  write(record: Record<string, unknown>): void {
    const line = `${JSON.stringify(record)}\n`;
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.records++;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    writeSync(this.fd, this.pending.join(""));
    this.pending = [];
    this.pendingBytes = 0;
  }

  close(): void {
    this.flush();
    if (this.owned) closeSync(this.fd);
  }
}
