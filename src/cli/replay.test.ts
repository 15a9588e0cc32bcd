import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { UsageError } from "../schema/errors.js";
import { simulate } from "../simulate/scenarios.js";
import { replayCommand } from "./replay.js";

const dir = mkdtempSync(join(tmpdir(), "portent-replay-cli-"));
const smoke = join(dir, "smoke.pcap");
simulate("smoke", { seed: 7, out: smoke });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs the command, returning its exit code and what it wrote to stdout. */
async function run(argv: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  const code = await replayCommand.run(argv);
  vi.restoreAllMocks();
  return { code, out };
}

describe("portent replay", () => {
  it.each([
    [["--to", "8.8.8.8"], /refusing to replay to 8\.8\.8\.8/],
    [["--to", "example.com:80"], /not "example\.com"/],
    [["--to", "[::ffff:8.8.8.8]:+1"], /refusing/],
    [[], /needs --to/],
    [["--to", "127.0.0.1", "--speed", "2"], /--speed goes with --keep-time/],
    [["--to", "127.0.0.1", "--no-ts"], /--no-ts goes with --proxy-protocol/],
    [["--to", "127.0.0.1", "--concurrency", "0"], /--concurrency/],
  ])("is a usage error with %j, before reading the capture", async (args, msg) => {
    const err = await replayCommand.run(["/nonexistent/never-read.pcap", ...args]).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(msg);
  });

  it("lists the TCP sessions with bytes in start order on --dry-run, connecting to nothing", async () => {
    const { code, out } = await run([smoke, "--to", "127.0.0.1:+10000", "--dry-run"]);
    expect(code).toBe(0);
    const lines = out.trimEnd().split("\n");
    expect(lines.map((l) => l.split("  => ")[1]?.split(" ")[0])).toEqual([
      "127.0.0.1:18000",
      "127.0.0.1:10080",
      "127.0.0.1:10023",
    ]);
    const times = lines.map((l) => l.slice(0, 24));
    expect([...times].sort()).toEqual(times);
    expect(out).toContain('"POST /login.htm HTTP/1.1\\x0d\\x0a');
    expect(out.includes("\r") || out.includes("\x1b")).toBe(false);
  });

  it("replays to a loopback server, prints the summary and exits 0", async () => {
    const got: string[] = [];
    const server = createServer((s) => {
      const chunks: Buffer[] = [];
      s.on("data", (d) => chunks.push(d));
      s.on("end", () => {
        got.push(Buffer.concat(chunks).toString("latin1"));
        s.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    try {
      const { code, out } = await run([smoke, "--to", `127.0.0.1:${port}`, "--proxy-protocol"]);
      expect(code).toBe(0);
      expect(out).toMatch(/replayed 3 of 3 sessions/);
      expect(out).toMatch(/sent +3\n/);
      expect(got).toHaveLength(3);
      for (const g of got) expect(g).toMatch(/^PROXY TCP4 \S+ \S+ \d+ \d+\r\nPORTENT-TS \d+\r\n./);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("exits 1 when sessions are refused", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    await new Promise((r) => server.close(r));
    const { code, out } = await run([smoke, "--to", `127.0.0.1:${port}`]);
    expect(code).toBe(1);
    expect(out).toMatch(/refused +3\n/);
  });
});
