/** @module One rule's text to a compiled Rule, or the problem that keeps it out. */

import { type AddrGroup, parseAddresses } from "./addresses.js";
import { isHttp } from "./buffers.js";
import { KeywordError, RuleBuilder, UnsupportedError } from "./builder.js";
import { CLASSTYPES, DEFAULT_PRIORITY } from "./classtypes.js";
import { KEYWORDS } from "./keywords/index.js";
import { lexRule } from "./lexer.js";
import { type PortGroup, parsePorts } from "./ports.js";
import { type Rule, type RuleProto, TO_CLIENT, TO_SERVER } from "./types.js";
import { expandVars, VarError } from "./vars.js";

export interface CompileProblem {
  kind: "unsupported" | "invalid";
  sid?: number;
  keyword?: string;
  reason: string;
}

const ACTIONS = new Set(["alert", "drop", "reject", "rejectsrc", "rejectdst", "rejectboth"]);

/** Application protocols matched on their TCP/UDP stream (see docs/rules.md). */
const PROTOS: ReadonlyMap<string, RuleProto> = new Map<string, RuleProto>([
  ["ip", "ip"],
  ["tcp", "tcp"],
  ["udp", "udp"],
  ["icmp", "icmp"],
  ["tcp-pkt", "tcp-pkt"],
  ["tcp-stream", "tcp-stream"],
  ["http", "http"],
  ["http1", "http"],
  ["dns", "dns"],
  ["ftp", "ftp"],
  ["smtp", "smtp"],
  ["smb", "smb"],
  ["ssh", "ssh"],
  ["tls", "tls"],
]);

function sidOf(options: Array<{ name: string; value: string | undefined }>): number | undefined {
  const o = options.find((x) => x.name === "sid");
  const n = o?.value === undefined ? Number.NaN : Number(o.value.trim());
  return Number.isInteger(n) ? n : undefined;
}

function header(
  spec: string,
  vars: Readonly<Record<string, string>>,
  parse: (s: string) => AddrGroup | PortGroup | null | string,
  what: string,
): AddrGroup | PortGroup | null {
  let text: string;
  try {
    text = expandVars(spec, vars);
  } catch (e) {
    throw new KeywordError(`${what} "${spec}": ${e instanceof VarError ? e.message : String(e)}`);
  }
  const r = parse(text);
  if (typeof r === "string") throw new KeywordError(`${what} "${spec}": ${r}`);
  return r;
}

/** Compiles one rule. Never throws. */
export function compileRule(
  text: string,
  file: string,
  line: number,
  vars: Readonly<Record<string, string>>,
): Rule | CompileProblem {
  const raw = lexRule(text);
  if (typeof raw === "string") return { kind: "invalid", reason: raw };
  const sid = sidOf(raw.options);
  const withSid = (p: CompileProblem): CompileProblem => (sid === undefined ? p : { ...p, sid });
  const action = raw.action.toLowerCase();
  if (action === "pass") {
    return withSid({
      kind: "unsupported",
      keyword: "pass",
      reason: "pass rules are not supported",
    });
  }
  if (!ACTIONS.has(action))
    return withSid({ kind: "invalid", reason: `unknown action "${raw.action}"` });
  const proto = PROTOS.get(raw.proto.toLowerCase());
  if (proto === undefined) {
    return withSid({
      kind: "unsupported",
      keyword: `proto:${raw.proto}`,
      reason: `protocol "${raw.proto}" is not supported`,
    });
  }
  if (raw.dir !== "->" && raw.dir !== "<>") {
    return withSid({ kind: "invalid", reason: `direction "${raw.dir}" is not -> or <>` });
  }
  const unknown = raw.options.filter((o) => !KEYWORDS.has(o.name)).map((o) => o.name);
  if (unknown.length > 0) {
    const list = [...new Set(unknown)];
    return withSid({
      kind: "unsupported",
      keyword: list[0] as string,
      reason: `unsupported keyword${list.length > 1 ? "s" : ""} ${list.join(", ")}`,
    });
  }
  const b = new RuleBuilder(proto);
  let current = "";
  try {
    const src = header(raw.src, vars, parseAddresses, "source") as AddrGroup | null;
    const sport = header(raw.sport, vars, parsePorts, "source port") as PortGroup | null;
    const dst = header(raw.dst, vars, parseAddresses, "destination") as AddrGroup | null;
    const dport = header(raw.dport, vars, parsePorts, "destination port") as PortGroup | null;
    for (const o of raw.options) {
      current = o.name;
      KEYWORDS.get(o.name)?.setup(b, o.value);
    }
    current = "";
    if (!b.sidSeen) throw new KeywordError("no sid");
    return finish(b, {
      action,
      proto,
      src,
      sport,
      dst,
      dport,
      bidirectional: raw.dir === "<>",
      file,
      line,
    });
  } catch (e) {
    if (e instanceof UnsupportedError) {
      return withSid({ kind: "unsupported", keyword: current, reason: e.message });
    }
    if (e instanceof KeywordError) {
      const p: CompileProblem = { kind: "invalid", reason: e.message };
      return withSid(current === "" ? p : { ...p, keyword: current });
    }
    return withSid({ kind: "invalid", reason: `internal error: ${String(e)}` });
  }
}

type Head = Pick<
  Rule,
  "action" | "proto" | "src" | "sport" | "dst" | "dport" | "bidirectional" | "file" | "line"
>;

function finish(b: RuleBuilder, h: Head): Rule {
  const info = b.info;
  info.priority =
    b.explicitPriority ?? CLASSTYPES.get(info.classtype)?.priority ?? DEFAULT_PRIORITY;
  const lists = b.lists.filter((l) => l.items.length > 0);
  const http = lists.some((l) => isHttp(l.buffer));
  const flow = { ...b.flow };
  if (flow.dir === 3) {
    const sides = new Set(lists.map((l) => l.buffer.side));
    if (sides.has("response")) flow.dir = TO_CLIENT;
    else if (sides.has("request")) flow.dir = TO_SERVER;
  }
  for (const l of lists) {
    if (
      l.buffer.side === "base64" &&
      !b.lists.some((x) => x.items.some((i) => i.kind === "base64_decode"))
    ) {
      throw new KeywordError("base64_data without base64_decode");
    }
  }
  const hasSet =
    b.flowbits.some((f) => f.cmd === "set" || f.cmd === "unset" || f.cmd === "toggle") ||
    b.xbits.some((f) => f.cmd === "set" || f.cmd === "unset" || f.cmd === "toggle");
  const hasCheck =
    b.flowbits.some((f) => f.cmd === "isset" || f.cmd === "isnotset") ||
    b.xbits.some((f) => f.cmd === "isset" || f.cmd === "isnotset");
  const rank = hasSet && !hasCheck ? 0 : hasCheck && !hasSet ? 2 : 1;
  return {
    ...h,
    info,
    flow,
    lists,
    http,
    header: b.header,
    streamSize: b.streamSize,
    flowbits: b.flowbits,
    xbits: b.xbits,
    threshold: b.threshold,
    noalert: b.noalert,
    packet: h.proto === "tcp-pkt" || b.packetOnly,
    rank,
  };
}
