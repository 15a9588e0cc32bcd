/**
 * @module Runs the IoT exploit pack through the rule engine: every case in iot-pack.cases.ts and
 * every exploit payload the satori-2018 simulator writes must fire exactly its pack sids.
 *
 * Pending: rename to iot-pack.test.ts once src/detect/rules/index.ts (loadRules, RuleEngine)
 * lands. The engine is imported dynamically so that this file type-checks before it exists.
 */

import { describe, expect, it } from "vitest";
import { looksLikeHttpRequest, parseHttpRequests } from "../decode/http.js";
import type { Alert } from "../schema/detection.js";
import type { Session } from "../schema/session.js";
import {
  DLINK_REQUEST,
  GPON_REQUEST,
  httpGet,
  MIRAI_CREDENTIALS,
  TELNET_COMMANDS,
  TELNET_MIRAI_IAC,
  UC_MAX_A,
  UC_MIN_A,
  UC_REQUEST_LINE,
  ucBody,
} from "../simulate/payloads.js";
import { caseBytes, PACK_CASES, PACK_SID_MAX, PACK_SID_MIN, SID } from "./iot-pack.cases.js";

/** The engine API as announced for src/detect/rules/index.ts. */
interface EngineModule {
  loadRules(paths: string[]): { rules: unknown[]; problems: unknown[]; files: unknown[] };
  RuleEngine: new (set: unknown) => { session(s: Session): Alert[] };
}
const ENGINE_PATH = "./rules/index.js";
const { loadRules, RuleEngine } = (await import(ENGINE_PATH)) as EngineModule;

const PACK = "rules/portent-iot.rules";
const set = loadRules([PACK]);
const engine = new RuleEngine(set);

const SRC = "198.51.100.23";
const DST = "203.0.113.10";
const ipv4Key = (a: string): number => a.split(".").reduce((k, o) => k * 256 + Number(o), 0);
const EMPTY = new Uint8Array(0);
let nextId = 0;

/** A complete client session carrying `bytes`, with HTTP parsed as the stream layer does. */
function sessionOf(bytes: Uint8Array, dport: number): Session {
  const start = 1_528_945_200_000_000 + nextId * 1_000_000;
  const s: Session = {
    id: `iot-pack-${nextId++}`,
    proto: "tcp",
    src: SRC,
    srcKey: ipv4Key(SRC),
    sport: 40_000 + (nextId % 20_000),
    dst: DST,
    dstKey: ipv4Key(DST),
    dport,
    start,
    end: start + 500_000,
    clientBytes: bytes,
    clientBytesTotal: bytes.length,
    serverBytes: EMPTY,
    serverBytesTotal: 0,
    clientPackets: 2,
    serverPackets: 2,
    handshake: true,
    gaps: 0,
    truncated: false,
    close: "fin",
    fingerprint: "",
    ttl: 52,
    window: 5840,
  };
  if (looksLikeHttpRequest(bytes)) s.http = { requests: parseHttpRequests(bytes), responses: [] };
  return s;
}

/** The distinct pack sids that alert on `bytes`, sorted. */
function packSids(bytes: Uint8Array, dport: number): number[] {
  const sids = new Set<number>();
  for (const a of engine.session(sessionOf(bytes, dport))) {
    if (a.rule.sid >= PACK_SID_MIN && a.rule.sid <= PACK_SID_MAX) sids.add(a.rule.sid);
  }
  return [...sids].sort((a, b) => a - b);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe("IoT exploit pack", () => {
  it("loads every rule of the pack without problems", () => {
    expect(set.problems).toEqual([]);
    expect(set.rules.length).toBe(PACK_CASES.length);
  });

  for (const sc of PACK_CASES) {
    describe(`sid ${sc.sid}`, () => {
      for (const c of sc.positives) {
        it(`fires on: ${c.name}`, () => {
          expect(packSids(caseBytes(c), c.dport)).toEqual([...c.expect].sort((a, b) => a - b));
          const alert = engine
            .session(sessionOf(caseBytes(c), c.dport))
            .find((a) => a.rule.sid === sc.sid);
          expect(alert?.rule.cve.slice().sort()).toEqual([...sc.cve].sort());
          expect(alert?.rule.classtype).not.toBe("");
          expect(alert?.rule.metadata.created_at?.length).toBe(1);
        });
      }
      for (const c of sc.negatives) {
        it(`stays silent on: ${c.name}`, () => {
          expect(packSids(caseBytes(c), c.dport)).toEqual([]);
        });
      }
    });
  }
});

describe("IoT exploit pack on the satori-2018 simulator's payloads", () => {
  it("fires CVE-2018-10088 on every uc-httpd body length the simulator writes", () => {
    for (let n = UC_MIN_A; n <= UC_MAX_A; n++) {
      for (const port of [8000, 80, 81]) {
        expect(packSids(concat(UC_REQUEST_LINE, ucBody(n)), port)).toEqual([SID.UC_HTTPD]);
      }
    }
  });

  it("fires CVE-2016-20017 on the DSL-2750B request", () => {
    for (const port of [80, 8080])
      expect(packSids(DLINK_REQUEST, port)).toEqual([SID.DLINK_DSL2750B]);
  });

  it("fires both GPON rules on the GPON request", () => {
    for (const port of [8080, 80]) {
      expect(packSids(GPON_REQUEST, port)).toEqual([SID.GPON_INJECTION, SID.GPON_BYPASS]);
    }
  });

  it("fires the Mirai telnet markers on an accepted login and nothing on a refused one", () => {
    for (const [user, pass] of MIRAI_CREDENTIALS.slice(0, 5)) {
      const login = concat(TELNET_MIRAI_IAC, user, pass);
      for (const port of [23, 2323]) {
        expect(packSids(concat(login, ...TELNET_COMMANDS), port)).toEqual([
          SID.BUSYBOX_PROBE,
          SID.MIRAI_SEQUENCE,
        ]);
        expect(packSids(login, port)).toEqual([]);
      }
    }
  });

  it("stays silent on the background crawlers' GET /", () => {
    for (const port of [80, 81, 8000, 8080]) {
      expect(packSids(httpGet(ipv4Key(DST), port), port)).toEqual([]);
    }
  });
});
