/** @module Flow and state keywords: flow, flowbits, xbits, threshold, detection_filter. */

import { type ThresholdSpec, TO_CLIENT, TO_SERVER, type XbitOp } from "../types.js";
import { splitArgs } from "../values.js";
import { type Keyword, KeywordError, need } from "./keyword.js";

const BIT_CMDS = new Set(["set", "unset", "toggle", "isset", "isnotset"]);

function thresholdArgs(name: string, v: string, needType: boolean): ThresholdSpec {
  const o: Record<string, string> = {};
  for (const part of splitArgs(v)) {
    const [k, val] = part.trim().split(/\s+/, 2) as [string, string | undefined];
    if (val === undefined) throw new KeywordError(`${name}: "${part}" needs a value`);
    o[k] = val;
  }
  const type = needType ? o.type : "detection_filter";
  if (type !== "limit" && type !== "threshold" && type !== "both" && type !== "detection_filter") {
    throw new KeywordError(`${name}: type must be limit, threshold or both`);
  }
  const track = o.track;
  if (track !== "by_src" && track !== "by_dst" && track !== "by_rule" && track !== "by_both") {
    throw new KeywordError(`${name}: track must be by_src, by_dst, by_rule or by_both`);
  }
  const count = Number(o.count);
  const seconds = Number(o.seconds);
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seconds) || seconds < 1) {
    throw new KeywordError(`${name}: count and seconds must be positive whole numbers`);
  }
  return { type, track, count, seconds };
}

export const FLOW_KEYWORDS: Keyword[] = [
  {
    name: "flow",
    doc: "Direction (to_server/from_client, to_client/from_server), established/not_established, stateless, only_stream/no_stream.",
    setup(b, v) {
      b.flowSeen = true;
      for (const raw of need("flow", v).split(",")) {
        const o = raw.trim().toLowerCase();
        switch (o) {
          case "to_server":
          case "from_client":
            b.flow.dir = TO_SERVER;
            break;
          case "to_client":
          case "from_server":
            b.flow.dir = TO_CLIENT;
            break;
          case "established":
            b.flow.established = 1;
            break;
          case "not_established":
            b.flow.established = -1;
            break;
          case "only_stream":
            b.flow.stream = 1;
            break;
          case "no_stream":
            b.flow.stream = -1;
            break;
          case "stateless":
          case "only_frag":
          case "no_frag":
            break;
          default:
            throw new KeywordError(`flow: unknown option "${o}"`);
        }
      }
    },
  },
  {
    name: "flowbits",
    doc: "Per-session named bits: set, unset, toggle, isset, isnotset (a|b any, a&b all), noalert.",
    setup(b, v) {
      const [cmdRaw, nameRaw] = splitArgs(need("flowbits", v)) as [string, string | undefined];
      const cmd = cmdRaw.trim();
      if (cmd === "noalert") {
        b.noalert = true;
        return;
      }
      if (!BIT_CMDS.has(cmd)) throw new KeywordError(`flowbits: unknown command "${cmd}"`);
      const spec = (nameRaw ?? "").trim();
      if (spec === "") throw new KeywordError(`flowbits:${cmd} needs a name`);
      const any = spec.includes("|");
      const names = spec.split(/[|&]/).map((n) => n.trim());
      if (names.some((n) => n === "")) throw new KeywordError(`flowbits: bad name list "${spec}"`);
      b.flowbits.push({ cmd: cmd as XbitOp["cmd"], names, any });
    },
  },
  {
    name: "xbits",
    doc: "Named bits kept per host or host pair across sessions (track ip_src/ip_dst/ip_pair, expire N).",
    setup(b, v) {
      const a = splitArgs(need("xbits", v)).map((x) => x.trim());
      const cmd = a[0] ?? "";
      if (cmd === "noalert") {
        b.noalert = true;
        return;
      }
      if (!BIT_CMDS.has(cmd)) throw new KeywordError(`xbits: unknown command "${cmd}"`);
      const name = a[1] ?? "";
      if (name === "") throw new KeywordError(`xbits:${cmd} needs a name`);
      let track: XbitOp["track"] | undefined;
      let expire = 0;
      for (const o of a.slice(2)) {
        const [k, val] = o.split(/\s+/, 2) as [string, string | undefined];
        if (k === "track" && (val === "ip_src" || val === "ip_dst" || val === "ip_pair"))
          track = val;
        else if (k === "expire" && val !== undefined && /^\d+$/.test(val)) expire = Number(val);
        else throw new KeywordError(`xbits: unknown option "${o}"`);
      }
      if (track === undefined)
        throw new KeywordError("xbits needs track ip_src, ip_dst or ip_pair");
      b.xbits.push({ cmd: cmd as XbitOp["cmd"], name, track, expire });
    },
  },
  {
    name: "threshold",
    doc: "Alert rate control per engine run: type limit/threshold/both, track by_src/by_dst, count, seconds.",
    setup(b, v) {
      b.threshold = thresholdArgs("threshold", need("threshold", v), true);
    },
  },
  {
    name: "detection_filter",
    doc: "Alert only from the Nth match within the period (track, count, seconds).",
    setup(b, v) {
      b.threshold = thresholdArgs("detection_filter", need("detection_filter", v), false);
    },
  },
];
