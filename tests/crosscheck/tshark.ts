/** @module Runs tshark on a capture and returns per-packet fields, for cross-checks. */

import { execFileSync } from "node:child_process";

export interface TsharkRow {
  src: string;
  dst: string;
  proto: "tcp" | "udp" | "other";
  sport: number;
  dport: number;
  syn: boolean;
  ack: boolean;
}

export function haveTshark(): boolean {
  try {
    execFileSync("tshark", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Number of frames tshark reads from `file`. */
export function tsharkFrameCount(file: string): number {
  const out = execFileSync("tshark", ["-n", "-r", file, "-T", "fields", "-e", "frame.number"], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
    stdio: ["ignore", "pipe", "ignore"],
  });
  return out.split("\n").filter((l) => l !== "").length;
}

/**
 * The innermost IP/TCP/UDP fields of every frame (`-E occurrence=l` picks the inner header of a
 * tunnel), with IP reassembly off so fragments stay fragments. ICMP-quoted headers are skipped.
 */
export function tsharkRows(file: string): TsharkRow[] {
  const args = [
    "-n",
    "-r",
    file,
    "-o",
    "ip.defragment:FALSE",
    "-o",
    "ipv6.defragment:FALSE",
    "-Y",
    "(tcp || udp) && !icmp && !icmpv6 && !(ip.flags.mf == 1) && !(ip.frag_offset > 0) && !ipv6.fragment",
    "-T",
    "fields",
    "-E",
    "occurrence=l",
    "-E",
    "separator=\t",
    "-e",
    "ip.src",
    "-e",
    "ipv6.src",
    "-e",
    "ip.dst",
    "-e",
    "ipv6.dst",
    "-e",
    "tcp.srcport",
    "-e",
    "tcp.dstport",
    "-e",
    "udp.srcport",
    "-e",
    "udp.dstport",
    "-e",
    "tcp.flags.syn",
    "-e",
    "tcp.flags.ack",
  ];
  const out = execFileSync("tshark", args, {
    encoding: "utf8",
    maxBuffer: 1 << 30,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const rows: TsharkRow[] = [];
  for (const line of out.split("\n")) {
    if (line === "") continue;
    const f = line.split("\t");
    const [s4, s6, d4, d6, tsp, tdp, usp, udp, syn, ack] = f;
    const isTcp = tsp !== undefined && tsp !== "";
    const isUdp = !isTcp && usp !== undefined && usp !== "";
    const flag = (v: string | undefined) => v === "1" || v === "True";
    rows.push({
      // With tunnels, an IPv6-in-IPv4 (or reverse) packet fills both columns; the inner header
      // is the one whose family the transport rides on, which tshark lists last in its tree.
      src: s6 ? s6 : (s4 ?? ""),
      dst: d6 ? d6 : (d4 ?? ""),
      proto: isTcp ? "tcp" : isUdp ? "udp" : "other",
      sport: Number(isTcp ? tsp : usp),
      dport: Number(isTcp ? tdp : udp),
      syn: flag(syn),
      ack: flag(ack),
    });
  }
  return rows;
}
