/** @module Size keywords: dsize, urilen, bsize, stream_size. */

import { BUFFERS } from "../buffers.js";
import { type NumTest, parseNumTest, splitArgs } from "../values.js";
import { type Keyword, KeywordError, need } from "./keyword.js";

function numTestOf(name: string, v: string): NumTest {
  const t = parseNumTest(v);
  if (typeof t === "string") throw new KeywordError(`${name}: ${t}`);
  return t;
}

const URI = BUFFERS.find((b) => b.name === "http.uri")!;
const RAW_URI = BUFFERS.find((b) => b.name === "http.uri.raw")!;

export const SIZE_KEYWORDS: Keyword[] = [
  {
    name: "dsize",
    doc: "Payload size of the packet (sessions: of the direction's stream; probes: 0).",
    setup(b, v) {
      b.header.push({ field: "dsize", test: numTestOf("dsize", need("dsize", v)) });
      b.packetOnly = true;
    },
  },
  {
    name: "urilen",
    doc: "Length of the normalised URI (`,raw` for the raw one).",
    setup(b, v) {
      const [t, kind] = splitArgs(need("urilen", v)) as [string, string | undefined];
      const k = kind?.trim();
      if (k !== undefined && k !== "raw" && k !== "norm") {
        throw new KeywordError(`urilen: "${k}" is not raw or norm`);
      }
      b.add({ kind: "bsize", test: numTestOf("urilen", t) }, k === "raw" ? RAW_URI : URI);
    },
  },
  {
    name: "bsize",
    doc: "Length of the sticky buffer.",
    setup(b, v) {
      b.add({ kind: "bsize", test: numTestOf("bsize", need("bsize", v)) });
    },
  },
  {
    name: "stream_size",
    doc: "Bytes a side sent so far (client, server, both, either) compared with a number.",
    setup(b, v) {
      const a = splitArgs(need("stream_size", v));
      if (a.length !== 3) throw new KeywordError("stream_size needs side, operator, number");
      const side = (a[0] as string).trim();
      if (side !== "client" && side !== "server" && side !== "both" && side !== "either") {
        throw new KeywordError(`stream_size: unknown side "${side}"`);
      }
      let op = (a[1] as string).trim();
      if (op === "!=") op = "!";
      b.streamSize.push({
        side,
        test: numTestOf("stream_size", `${op}${(a[2] as string).trim()}`),
      });
    },
  },
];
