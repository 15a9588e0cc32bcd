/**
 * @module Scenario `smoke`: one hour, a few hundred packets, one of everything (Mirai SYNs and a
 * telnet login, one uc-httpd exploit, one split DSL-2750B request, a UDP probe, an IPv6 SYN,
 * some background SYNs), for fast end-to-end tests. `scale` is recorded but changes nothing.
 */

import type { PayloadKind, Truth, TruthCampaign } from "../../schema/truth.js";
import { iso, utc } from "../curves.js";
import {
  block,
  KERNEL_EMBEDDED,
  KERNEL_LINUX,
  poolAddress,
  SCANNER_KERNEL,
  SCANNER_MIRAI,
} from "../hosts.js";
import {
  DLINK_DOWNLOADER,
  DLINK_REAL_DOWNLOADER,
  DLINK_REQUEST,
  DLINK_RESPONSE,
  UC_MIN_A,
  UC_REQUEST_LINE,
  UC_RESPONSE,
  UDP_SSDP,
  ucBody,
} from "../payloads.js";
import { Rng } from "../prng.js";
import { synProbe, udpProbe } from "../probes.js";
import { httpRequest, httpTwoWrites, telnetLogin } from "../sessions.js";
import { SENSOR_NET4, SENSOR_NET6 } from "../world.js";
import type { ScenarioContext, ScenarioDescriptor } from "./types.js";

const START = "2018-06-14T03:00:00Z";
const END = "2018-06-14T04:00:00Z";
const MIRAI_BLOCK = "198.19.0.0/17";
const UC_BLOCK = "198.19.128.0/18";
const DL_BLOCK = "198.19.192.0/19";
const BG_BLOCK = "198.18.0.0/16";
const MIRAI_BOTS = 8;
const MIRAI_SYNS = 44;
const BG_SOURCES = 20;
const BG_SYNS = 50;
const BG_PORTS = [445, 22, 80, 3389, 8080, 1433];
/** The DSL-2750B request is split inside its URI, right after "/login.cgi?cli=". */
const DL_SPLIT = 19;
const V6_SOURCE = Uint8Array.of(0x20, 1, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10);

function campaign(
  id: string,
  name: string,
  family: string,
  cve: string[],
  ports: number[],
  payloadKind: PayloadKind,
  sourceBlock: string,
  sources: Set<number>,
  syns: number,
  sessions: number,
): TruthCampaign {
  return {
    id,
    name,
    family,
    cve,
    ports,
    proto: "tcp",
    onset: START,
    payloadKind,
    sources: sources.size,
    hourlySources: [sources.size],
    syns,
    sessions,
    fingerprint: "mirai",
    surge: false,
    sourceBlock,
  };
}

function generate(ctx: ScenarioContext): Truth {
  const { w, q } = ctx;
  const rng = new Rng(ctx.seed, 0x3001);
  const h = w.host;
  const start = utc(START);
  const end = utc(END);
  // events start in the first 58 minutes so every exchange ends inside the hour
  const at = () => start + rng.int(end - start - 120e6);

  const mirai = block(MIRAI_BLOCK);
  const miraiSources = new Set<number>();
  for (let i = 0; i < MIRAI_SYNS; i++) {
    const addr = poolAddress(mirai, rng.int(MIRAI_BOTS), ctx.seed);
    miraiSources.add(addr);
    h.fill(addr, null, KERNEL_EMBEDDED, SCANNER_MIRAI, ctx.seed);
    synProbe(w, at(), h, rng.int(256), i % 11 === 10 ? 2323 : 23);
  }
  const loginBot = poolAddress(mirai, 0, ctx.seed);
  miraiSources.add(loginBot);
  h.fill(loginBot, null, KERNEL_EMBEDDED, SCANNER_KERNEL, ctx.seed);
  telnetLogin(w, at(), h, 1, 23, 0, true);

  // one Satori bot of each wave: a Mirai-style probe, then the exploit from its kernel
  const ucBot = poolAddress(block(UC_BLOCK), 0, ctx.seed);
  const tUc = at();
  h.fill(ucBot, null, KERNEL_EMBEDDED, SCANNER_MIRAI, ctx.seed);
  synProbe(w, tUc, h, 2, 8000);
  h.scanner = SCANNER_KERNEL;
  const body = ucBody(UC_MIN_A);
  httpTwoWrites(w, tUc + 1_000_000, h, 2, 8000, UC_REQUEST_LINE, body, UC_RESPONSE);

  const dlBot = poolAddress(block(DL_BLOCK), 0, ctx.seed);
  const tDl = at();
  h.fill(dlBot, null, KERNEL_EMBEDDED, SCANNER_MIRAI, ctx.seed);
  synProbe(w, tDl, h, 3, 80);
  h.scanner = SCANNER_KERNEL;
  httpRequest(w, tDl + 1_000_000, h, 3, 80, DLINK_REQUEST, DL_SPLIT, DLINK_RESPONSE);

  const bg = block(BG_BLOCK);
  const bgSources = new Set<number>();
  const bgPorts = new Set<number>([1900, 22]);
  for (let i = 0; i < BG_SYNS; i++) {
    const addr = poolAddress(bg, rng.int(BG_SOURCES), ctx.seed);
    const port = rng.pick(BG_PORTS);
    bgSources.add(addr);
    bgPorts.add(port);
    h.fill(addr, null, KERNEL_LINUX, SCANNER_KERNEL, ctx.seed);
    synProbe(w, at(), h, rng.int(256), port);
  }
  const udpSource = poolAddress(bg, BG_SOURCES, ctx.seed);
  bgSources.add(udpSource);
  h.fill(udpSource, null, KERNEL_LINUX, SCANNER_KERNEL, ctx.seed);
  udpProbe(w, at(), h, 4, 1900, UDP_SSDP);
  h.fill(0x20010db8, V6_SOURCE, KERNEL_LINUX, SCANNER_KERNEL, ctx.seed);
  synProbe(w, at(), h, 5, 22);

  q.finish();
  ctx.onProgress?.(q.written, end);
  return {
    version: 1,
    scenario: "smoke",
    seed: ctx.seed,
    scale: ctx.scale,
    network: SENSOR_NET4,
    network6: SENSOR_NET6,
    start: iso(start),
    end: iso(end),
    packets: q.written,
    campaigns: [
      campaign(
        "mirai-telnet",
        "Mirai telnet scanning and brute force",
        "mirai",
        [],
        [23, 2323],
        "telnet-mirai",
        MIRAI_BLOCK,
        miraiSources,
        MIRAI_SYNS + 1,
        1,
      ),
      campaign(
        "satori-uc-httpd",
        "Satori XiongMai uc-httpd wave",
        "satori",
        ["CVE-2018-10088"],
        [8000, 80, 81],
        "uc-httpd-overflow",
        UC_BLOCK,
        new Set([ucBot]),
        2,
        1,
      ),
      {
        ...campaign(
          "satori-dlink",
          "Satori D-Link DSL-2750B wave",
          "satori",
          ["CVE-2016-20017"],
          [80, 8080],
          "dlink-login-cgi",
          DL_BLOCK,
          new Set([dlBot]),
          2,
          1,
        ),
        downloader: DLINK_DOWNLOADER,
        realDownloader: DLINK_REAL_DOWNLOADER,
      },
    ],
    background: {
      sources: bgSources.size + 1,
      ports: bgPorts.size,
      description:
        "a few kernel SYNs to common ports from 198.18.0.0/16, one SSDP probe, one IPv6 SYN to 22",
    },
  };
}

export const smoke: ScenarioDescriptor = {
  name: "smoke",
  description:
    "one hour, a few hundred packets: one of each campaign shape, for fast end-to-end tests",
  generate,
};
