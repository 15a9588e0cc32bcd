/** @module `portent replay`: sends the client side of captured TCP sessions to a local sensor. */

import { analyzeFiles } from "../aggregate/analyze-files.js";
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_WAIT_MS,
  MAX_HELD_BYTES,
  MAX_HELD_SESSIONS,
  parseTarget,
  type ReplaySession,
  type ReplaySummary,
  type ReplayTarget,
  replay,
  SessionPick,
  targetPort,
} from "../capture/replay.js";
import { UsageError } from "../schema/errors.js";
import { flag, int, num, parse, str } from "./args.js";
import type { Command } from "./command.js";
import { humanBytes, PROGRESS_INTERVAL_MS, Progress } from "./progress.js";

/** Bytes of each session shown (escaped) by --dry-run. */
export const DRY_RUN_PREVIEW_BYTES = 40;

export const replayCommand: Command = {
  name: "replay",
  summary: "send the client side of captured TCP sessions to a sensor on loopback (tests, demos)",
  help: `Usage: portent replay FILE.pcap... --to ADDR[:PORT|:+N|:-N] [options]

Reads the captures like "portent analyze", takes every TCP session whose client sent bytes, and
replays them in start order: connect, write the client's bytes, read (and drop) the reply until the
server closes or is quiet for --wait-ms, close. Only loopback (127.0.0.0/8, ::1) and documentation
addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are accepted; no name is
resolved except "localhost" (127.0.0.1). The original addresses travel only in the optional PROXY
line. See docs/replay.md.

--to forms:
  127.0.0.1            each session to its original port (80 -> 80)
  127.0.0.1:8000       every session to port 8000
  127.0.0.1:+10000     original port plus 10000 (80 -> 10080); :-N subtracts
  [::1]:+10000         IPv6 takes brackets when a port follows

Options:
  --to ADDR            where to connect (required)
  --proxy-protocol     start each connection with "PROXY TCP4|TCP6 src dst sport dport" and
                       "PORTENT-TS <µs>" lines, so a sensor configured for it records the
                       original endpoints and time
  --no-ts              with --proxy-protocol: leave out the PORTENT-TS line (plain PROXY v1 servers)
  --concurrency N      connections open at once (default ${DEFAULT_CONCURRENCY}); they start in session order
  --keep-time          start sessions at their original spacing (a day-long capture takes a day)
  --speed X            with --keep-time: X times faster (default 1)
  --wait-ms MS         close a connection after MS quiet milliseconds (default ${DEFAULT_WAIT_MS}; also the
                       connect timeout)
  --split              write each session's bytes in two writes (exercises reassembly)
  --limit N            replay only the first N sessions by start time
  --dry-run            list what would be sent, connect to nothing
  -h, --help           this text

At most ${MAX_HELD_SESSIONS.toLocaleString("en-US")} sessions and ${humanBytes(MAX_HELD_BYTES)} of client bytes are held for sorting; past that the
earliest are replayed and the rest counted. Replay stops when 100 sessions in a row cannot connect.
Exit code 0 when every session was delivered, 1 otherwise (the summary says why), 2 on usage errors.

Examples:
  portent replay smoke.pcap --to 127.0.0.1:+10000 --dry-run
  portent replay satori.pcap --to 127.0.0.1:+10000 --proxy-protocol --concurrency 128`,

  async run(argv) {
    const p = parse(argv, {
      to: { type: "string" },
      "proxy-protocol": { type: "boolean" },
      "no-ts": { type: "boolean" },
      concurrency: { type: "string" },
      "keep-time": { type: "boolean" },
      speed: { type: "string" },
      "wait-ms": { type: "string" },
      split: { type: "boolean" },
      limit: { type: "string" },
      "dry-run": { type: "boolean" },
    });
    if (p.positionals.length === 0) throw new UsageError("replay needs a capture file");
    const to = str(p, "to");
    if (to === undefined) throw new UsageError("replay needs --to ADDR (e.g. 127.0.0.1:+10000)");
    const target = parseTarget(to);
    const concurrency = int(p, "concurrency", DEFAULT_CONCURRENCY, 1, 4096);
    const waitMs = int(p, "wait-ms", DEFAULT_WAIT_MS, 1, 600_000);
    const limit = int(p, "limit", Number.MAX_SAFE_INTEGER, 1, Number.MAX_SAFE_INTEGER);
    if (str(p, "speed") !== undefined && !flag(p, "keep-time")) {
      throw new UsageError("--speed goes with --keep-time");
    }
    if (flag(p, "no-ts") && !flag(p, "proxy-protocol")) {
      throw new UsageError("--no-ts goes with --proxy-protocol");
    }
    const speed = num(p, "speed", 1, 0.000001, 1e9);

    const pick = new SessionPick(limit);
    const progress = new Progress("reading");
    await analyzeFiles(p.positionals, {
      onSession: (s) => pick.add(s),
      warn: (kind, f) => {
        progress.done();
        process.stderr.write(`portent: warning: ${f.file}: ${kind} at byte ${f.offset}\n`);
      },
      onProgress: (c, t, n) => progress.update(c, t, n),
    });
    progress.done();
    const sessions = pick.sorted();
    const st = pick.stats;
    const skipped = [
      st.udp > 0 ? `${fmt(st.udp)} UDP` : "",
      st.overLimit > 0 ? `${fmt(st.overLimit)} beyond --limit` : "",
      st.overMemory > 0 ? `${fmt(st.overMemory)} beyond the memory cap (latest dropped)` : "",
    ].filter((x) => x !== "");
    const note = `${skipped.length > 0 ? `; skipped ${skipped.join(", ")}` : ""}${st.truncated > 0 ? `; ${fmt(st.truncated)} cut at the capture's byte cap` : ""}`;
    process.stderr.write(`portent: ${fmt(sessions.length)} TCP sessions to replay${note}\n`);

    if (flag(p, "dry-run")) {
      for (const s of sessions) process.stdout.write(`${describe(s, target)}\n`);
      return 0;
    }
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once("SIGINT", onSigint);
    const t0 = performance.now();
    const line = new Line();
    let sum: ReplaySummary;
    try {
      sum = await replay(sessions, {
        target,
        concurrency,
        waitMs,
        proxyProtocol: flag(p, "proxy-protocol"),
        timestamps: !flag(p, "no-ts"),
        split: flag(p, "split"),
        ...(flag(p, "keep-time") ? { keepTime: speed } : {}),
        signal: abort.signal,
        onProgress: (done, total, s) => line.draw(done, total, s, t0),
      });
    } finally {
      process.off("SIGINT", onSigint);
      line.done();
    }
    process.stdout.write(summaryText(sum, to, (performance.now() - t0) / 1000, waitMs));
    return sum.sent === sum.sessions ? 0 : 1;
  },
};

function fmt(n: number): string {
  return n.toLocaleString("en-US");
}

function hostPort(addr: string, port: number): string {
  return addr.includes(":") ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** Attacker bytes as inert text: printable ASCII kept, everything else as \xNN. */
function escaped(b: Uint8Array): string {
  let s = "";
  for (const c of b) {
    s +=
      c >= 0x20 && c < 0x7f && c !== 0x5c
        ? String.fromCharCode(c)
        : `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return s;
}

/** One --dry-run line: time, original endpoints, where it would go, size and a preview. */
function describe(s: ReplaySession, t: ReplayTarget): string {
  const when = new Date(s.start / 1000).toISOString();
  const port = targetPort(t, s.dport);
  const dest = port === undefined ? "(port out of range, skipped)" : hostPort(t.host, port);
  const more = s.bytes.length > DRY_RUN_PREVIEW_BYTES ? "..." : "";
  return `${when}  ${hostPort(s.src, s.sport)} -> ${hostPort(s.dst, s.dport)}  => ${dest}  ${s.bytes.length} B  "${escaped(s.bytes.subarray(0, DRY_RUN_PREVIEW_BYTES))}${more}"`;
}

function summaryText(s: ReplaySummary, to: string, secs: number, waitMs: number): string {
  const rate = secs > 0 ? Math.round(s.attempted / secs) : 0;
  const errors = Object.entries(s.errors)
    .map(([code, n]) => `${code} ${fmt(n)}`)
    .join(", ");
  const rows = [
    `replayed ${fmt(s.attempted)} of ${fmt(s.sessions)} sessions to ${to} in ${secs.toFixed(1)} s (${fmt(rate)}/s)`,
    `  sent      ${fmt(s.sent)}${s.idle > 0 ? ` (${fmt(s.idle)} closed by us after ${waitMs} ms quiet)` : ""}`,
    `  refused   ${fmt(s.refused)}`,
    `  reset     ${fmt(s.reset)}`,
    `  timeout   ${fmt(s.timeout)}`,
    `  failed    ${fmt(s.failed)}${errors !== "" ? ` (${errors})` : ""}`,
    ...(s.badPort > 0 ? [`  bad port  ${fmt(s.badPort)} (mapped port outside 1-65535)`] : []),
    `  bytes     ${humanBytes(s.bytesSent)} sent, ${humanBytes(s.bytesReceived)} received`,
    ...(s.stopped !== undefined ? [`stopped early: ${s.stopped}`] : []),
  ];
  return `${rows.join("\n")}\n`;
}

/** The replay's progress line on a terminal's stderr. */
class Line {
  private readonly on = process.stderr.isTTY === true && process.env.CI === undefined;
  private last = 0;
  private drawn = false;

  draw(done: number, total: number, s: ReplaySummary, t0: number): void {
    const now = performance.now();
    if (!this.on || now - this.last < PROGRESS_INTERVAL_MS) return;
    this.last = now;
    const secs = (now - t0) / 1000;
    const bad = s.refused + s.reset + s.timeout + s.failed;
    process.stderr.write(
      `\r\x1b[2Kreplay: ${fmt(done)} of ${fmt(total)} sessions, ${fmt(s.sent)} sent, ${fmt(bad)} not, ${fmt(Math.round(done / Math.max(secs, 0.001)))}/s`,
    );
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) process.stderr.write("\r\x1b[2K");
    this.drawn = false;
  }
}
