/**
 * @module `npm run bench`: times Portent against reference tools on one fixed capture, in the same
 * run, and prints packets/s, MB/s, peak RSS and the ratios.
 *
 * The capture is `portent simulate satori-2018 --seed 42 --scale 10` (≈9.7M packets, ≈840 MB:
 * SYN background, HTTP exploit sessions, UDP), generated once into .bench/ and reused.
 * References: `tcpdump -r F -w /dev/null` (the read floor of a C reader), tshark's per-port
 * histogram (the same per-port work by a standard tool; run on the first TSHARK_PACKETS packets
 * because it needs ~1.4 GiB per million packets), and a bare Node loop (bench/floor.ts).
 * Each timed command runs BENCH_REPEAT times (default 3), interleaved; the median is reported.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { simulate } from "../src/simulate/scenarios.js";

const ROOT = resolve(import.meta.dirname, "../..");
const DIR = join(ROOT, ".bench");
const SEED = 42;
const SCALE = Number(process.env.BENCH_SCALE ?? 10);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const TSHARK_PACKETS = Number(process.env.BENCH_TSHARK_PACKETS ?? 300_000);
const BIN = join(ROOT, "dist/src/cli/main.js");
const FLOOR = join(ROOT, "dist/bench/floor.js");

interface Timing {
  seconds: number;
  rssKiB: number;
}

/** Runs `argv` under GNU time and returns wall seconds and peak RSS of the process tree. */
function timed(argv: string[]): Timing {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %M", ...argv], {
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed: ${r.stderr.slice(-500)}`);
  const last = r.stderr.trim().split("\n").pop() ?? "";
  const [secs, rss] = last.split(" ");
  return { seconds: Number(secs), rssKiB: Number(rss) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function ensureCapture(): { file: string; packets: number; bytes: number } {
  mkdirSync(DIR, { recursive: true });
  const file = join(DIR, `satori-2018-seed${SEED}-x${SCALE}.pcap`);
  const stamp = `${file}.json`;
  if (existsSync(file) && existsSync(stamp)) {
    const s = JSON.parse(readFileSync(stamp, "utf8")) as { packets: number; bytes: number };
    if (statSync(file).size === s.bytes) return { file, ...s };
  }
  process.stderr.write(`bench: generating ${file} (once)...\n`);
  const t0 = performance.now();
  const r = simulate("satori-2018", { seed: SEED, scale: SCALE, out: file });
  const secs = (performance.now() - t0) / 1000;
  process.stderr.write(
    `bench: ${r.packets.toLocaleString("en-US")} packets in ${secs.toFixed(1)} s ` +
      `(${Math.round(r.packets / secs).toLocaleString("en-US")} packets/s generated)\n`,
  );
  writeFileSync(stamp, JSON.stringify({ packets: r.packets, bytes: r.bytes }));
  return { file, packets: r.packets, bytes: r.bytes };
}

function have(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;
}

interface Row {
  name: string;
  packets: number;
  bytes: number;
  t: Timing;
  note: string;
}

function main(): void {
  for (const tool of ["tcpdump", "tshark"]) {
    if (!have(tool))
      throw new Error(
        `${tool} is missing: run scripts/test-setup.sh (installs tcpdump and tshark)`,
      );
  }
  const cap = ensureCapture();
  const tsharkBytes = Math.round((cap.bytes * TSHARK_PACKETS) / cap.packets);
  const runs: Record<string, Timing[]> = { tcpdump: [], tshark: [], floor: [], portent: [] };
  for (let i = 0; i < REPEAT; i++) {
    process.stderr.write(`bench: round ${i + 1} of ${REPEAT}\n`);
    runs.tcpdump?.push(timed(["tcpdump", "-n", "-r", cap.file, "-w", "/dev/null"]));
    runs.floor?.push(timed([process.execPath, FLOOR, cap.file]));
    runs.portent?.push(
      timed([process.execPath, BIN, "analyze", cap.file, "--json", "/dev/null", "--quiet"]),
    );
    if (i === 0) {
      const cmd = `tshark -n -r '${cap.file}' -c ${TSHARK_PACKETS} -T fields -e tcp.dstport 2>/dev/null | sort | uniq -c > /dev/null`;
      runs.tshark?.push(timed(["bash", "-c", cmd]));
    }
  }
  const pick = (k: string): Timing => {
    const xs = runs[k] ?? [];
    return { seconds: median(xs.map((x) => x.seconds)), rssKiB: median(xs.map((x) => x.rssKiB)) };
  };
  const rows: Row[] = [
    {
      name: "tcpdump -r F -w /dev/null",
      packets: cap.packets,
      bytes: cap.bytes,
      t: pick("tcpdump"),
      note: "read floor (C)",
    },
    {
      name: "bare Node loop (bench/floor.ts)",
      packets: cap.packets,
      bytes: cap.bytes,
      t: pick("floor"),
      note: "read floor (JS)",
    },
    {
      name: "tshark -T fields -e tcp.dstport | sort | uniq -c",
      packets: TSHARK_PACKETS,
      bytes: tsharkBytes,
      t: pick("tshark"),
      note: `first ${TSHARK_PACKETS.toLocaleString("en-US")} packets`,
    },
    {
      name: "portent analyze F --json /dev/null",
      packets: cap.packets,
      bytes: cap.bytes,
      t: pick("portent"),
      note: "reassembly, HTTP, fingerprints",
    },
  ];
  const pps = (r: Row) => r.packets / r.t.seconds;
  const ours = rows[3] as Row;
  const lines = [
    `capture: ${cap.file.slice(ROOT.length + 1)}: ${cap.packets.toLocaleString("en-US")} packets, ${(cap.bytes / 1e6).toFixed(0)} MB; median of ${REPEAT} runs (tshark: 1 run)`,
    "",
    "| tool | packets | seconds | packets/s | MB/s | peak RSS | portent ÷ tool (packets/s) | note |",
    "|---|---:|---:|---:|---:|---:|---:|---|",
    ...rows.map(
      (r) =>
        `| \`${r.name.replace(/\|/g, "\\|")}\` | ${r.packets.toLocaleString("en-US")} | ${r.t.seconds.toFixed(2)} | ${Math.round(pps(r)).toLocaleString("en-US")} | ` +
        `${(r.bytes / 1e6 / r.t.seconds).toFixed(0)} | ${(r.t.rssKiB / 1024).toFixed(0)} MiB | ${(pps(ours) / pps(r)).toFixed(2)}x | ${r.note} |`,
    ),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  const cpu = execFileSync("sh", ["-c", "nproc; uptime"], { encoding: "utf8" })
    .trim()
    .replace(/\n/g, "; ");
  process.stdout.write(`\nmachine: ${cpu}\n`);
}

main();
