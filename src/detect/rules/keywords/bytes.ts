/** @module isdataat, byte_test, byte_jump, byte_extract and base64_decode. */

import type { RuleBuilder } from "../builder.js";
import type { ByteRead, ByteTestItem } from "../types.js";
import { parseUint, splitArgs } from "../values.js";
import { type Keyword, KeywordError, need } from "./keyword.js";

const BASES: Record<string, number> = { hex: 16, dec: 10, oct: 8 };

/** Reads the shared trailing options of byte_*; returns the options it did not know. */
function readCommon(name: string, r: ByteRead, opts: string[]): string[] {
  const rest: string[] = [];
  for (let i = 0; i < opts.length; i++) {
    const o = (opts[i] as string).trim();
    const [word, arg] = o.split(/\s+/, 2) as [string, string | undefined];
    switch (word) {
      case "relative":
        r.relative = true;
        break;
      case "big":
        r.little = false;
        break;
      case "little":
        r.little = true;
        break;
      case "dce":
        r.little = true;
        break;
      case "string": {
        const t = (opts[i + 1] ?? "").trim();
        const base = BASES[t];
        if (base !== undefined) {
          r.base = base;
          i++;
        } else r.base = 10;
        break;
      }
      case "hex":
      case "dec":
      case "oct":
        r.base = BASES[word] as number;
        break;
      case "bitmask": {
        const m = parseUint(arg ?? "");
        if (m === undefined) throw new KeywordError(`${name}: bad bitmask "${o}"`);
        r.bitmask = m;
        break;
      }
      default:
        rest.push(o);
    }
  }
  return rest;
}

function nbytes(name: string, raw: string, base: number): number {
  const n = parseUint(raw);
  if (n === undefined || n < 0)
    throw new KeywordError(`${name}: byte count "${raw}" is not a number`);
  if (base === 0 && (n < 1 || n > 8))
    throw new KeywordError(`${name}: binary reads take 1 to 8 bytes`);
  if (n > 23) throw new KeywordError(`${name}: string reads take at most 23 bytes`);
  return n;
}

function base(b: RuleBuilder, name: string, args: string[], offsetAt: number): ByteRead {
  const r: ByteRead = { nbytes: 0, offset: 0, relative: false, little: false, base: 0, bitmask: 0 };
  r.offset = b.numRef(args[offsetAt] ?? "", `${name} offset`);
  return r;
}

const OPS = new Set(["<", ">", "=", "!", "&", "^", "<=", ">="]);

export const BYTE_KEYWORDS: Keyword[] = [
  {
    name: "isdataat",
    doc: "Data must (or with `!` must not) exist at byte N, absolute or relative to the last match.",
    setup(b, v) {
      const args = splitArgs(need("isdataat", v));
      let first = (args[0] ?? "").trim();
      const negated = first.startsWith("!");
      if (negated) first = first.slice(1);
      const n = b.numRef(first, "isdataat");
      const rest = args.slice(1).map((a) => a.trim());
      for (const a of rest) {
        if (a !== "relative" && a !== "rawbytes")
          throw new KeywordError(`isdataat: unknown option "${a}"`);
      }
      b.add(
        {
          kind: "isdataat",
          n,
          negated,
          relative: rest.includes("relative"),
          rawbytes: rest.includes("rawbytes"),
        },
        relativeBuffer(b, rest.includes("relative")),
      );
    },
  },
  {
    name: "byte_test",
    doc: "Reads N bytes (binary or string) at an offset and compares them with a value.",
    setup(b, v) {
      const args = splitArgs(need("byte_test", v));
      if (args.length < 4) throw new KeywordError("byte_test needs bytes, operator, value, offset");
      const r = base(b, "byte_test", args, 3);
      let op = (args[1] as string).replace(/\s+/g, "");
      let negated = false;
      if (op.length > 1 && op.startsWith("!")) {
        negated = true;
        op = op.slice(1);
      }
      if (op === "!=") {
        negated = true;
        op = "=";
      }
      if (!OPS.has(op)) throw new KeywordError(`byte_test: unknown operator "${args[1]}"`);
      const rest = readCommon("byte_test", r, args.slice(4));
      if (rest.length > 0) throw new KeywordError(`byte_test: unknown option "${rest[0]}"`);
      r.nbytes = nbytes("byte_test", args[0] as string, r.base);
      const value = parseUint(args[2] as string) ?? b.numRef(args[2] as string, "byte_test value");
      const item: ByteTestItem = {
        kind: "byte_test",
        ...r,
        op: op as ByteTestItem["op"],
        negated,
        value,
      };
      b.add(item, relativeBuffer(b, r.relative));
    },
  },
  {
    name: "byte_jump",
    doc: "Reads N bytes at an offset and moves the relative position by that many bytes.",
    setup(b, v) {
      const args = splitArgs(need("byte_jump", v));
      if (args.length < 2) throw new KeywordError("byte_jump needs bytes, offset");
      const r = base(b, "byte_jump", args, 1);
      const rest = readCommon("byte_jump", r, args.slice(2));
      let multiplier = 1;
      let postOffset = 0;
      let align = false;
      let fromBeginning = false;
      let fromEnd = false;
      for (const o of rest) {
        const [word, arg] = o.split(/\s+/, 2) as [string, string | undefined];
        if (word === "multiplier") multiplier = parseUint(arg ?? "") ?? Number.NaN;
        else if (word === "post_offset") postOffset = parseUint(arg ?? "") ?? Number.NaN;
        else if (word === "align") align = true;
        else if (word === "from_beginning") fromBeginning = true;
        else if (word === "from_end") fromEnd = true;
        else throw new KeywordError(`byte_jump: unknown option "${o}"`);
      }
      if (Number.isNaN(multiplier) || Number.isNaN(postOffset))
        throw new KeywordError("byte_jump: bad number");
      r.nbytes = nbytes("byte_jump", args[0] as string, r.base);
      b.add(
        { kind: "byte_jump", ...r, multiplier, postOffset, align, fromBeginning, fromEnd },
        relativeBuffer(b, r.relative),
      );
    },
  },
  {
    name: "byte_extract",
    doc: "Reads N bytes at an offset into a variable later keywords use as a number.",
    setup(b, v) {
      const args = splitArgs(need("byte_extract", v));
      if (args.length < 3) throw new KeywordError("byte_extract needs bytes, offset, name");
      const r = base(b, "byte_extract", args, 1);
      const name = (args[2] as string).trim();
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
        throw new KeywordError(`byte_extract: bad name "${name}"`);
      const rest = readCommon("byte_extract", r, args.slice(3));
      let multiplier = 1;
      let align = 0;
      for (const o of rest) {
        const [word, arg] = o.split(/\s+/, 2) as [string, string | undefined];
        if (word === "multiplier") multiplier = parseUint(arg ?? "") ?? Number.NaN;
        else if (word === "align") align = parseUint(arg ?? "") ?? Number.NaN;
        else throw new KeywordError(`byte_extract: unknown option "${o}"`);
      }
      if (Number.isNaN(multiplier) || Number.isNaN(align))
        throw new KeywordError("byte_extract: bad number");
      r.nbytes = nbytes("byte_extract", args[0] as string, r.base);
      b.vars.add(name);
      b.add({ kind: "byte_extract", ...r, name, multiplier, align }, relativeBuffer(b, r.relative));
    },
  },
  {
    name: "base64_decode",
    doc: "Decodes base64 from the buffer (bytes, offset, relative); base64_data then inspects the result.",
    setup(b, v) {
      let bytes = 0;
      let offset = 0;
      let relative = false;
      for (const o of v === undefined ? [] : splitArgs(v)) {
        const [word, arg] = o.trim().split(/\s+/, 2) as [string, string | undefined];
        if (word === "relative") relative = true;
        else if (word === "bytes") bytes = parseUint(arg ?? "") ?? Number.NaN;
        else if (word === "offset") offset = parseUint(arg ?? "") ?? Number.NaN;
        else if (word !== "") throw new KeywordError(`base64_decode: unknown option "${o}"`);
      }
      if (Number.isNaN(bytes) || Number.isNaN(offset))
        throw new KeywordError("base64_decode: bad number");
      b.add({ kind: "base64_decode", bytes, offset, relative }, relativeBuffer(b, relative));
    },
  },
];

/** Relative keywords join the list of the last content/pcre; others the sticky buffer. */
function relativeBuffer(b: RuleBuilder, relative: boolean) {
  return relative && b.lastList !== undefined ? b.lastList.buffer : b.sticky;
}
