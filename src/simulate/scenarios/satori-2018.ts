/**
 * @module Scenario `satori-2018`: a honeypot /24 from 7 to 17 June 2018, when Satori added the
 * XiongMai uc-httpd exploit (port 8000 surge of 14 June) and then the D-Link DSL-2750B one.
 *
 * Story sources (all under /work/shared):
 * - [BC] seeds/000_54934505c90926d1.txt and 001_6c25e199c96392ad.txt: BleepingComputer,
 *   2018-06-15, citing 360 Netlab and SANS ISC: PoC published June 8, port 8000 scans start a day
 *   later, surge on June 14, die down on June 15 as Satori switches to DSL-2750B on 80/8080.
 * - [UC] data/poc-facts/CVE-2018-10088_xiongmai_uc-httpd.md: the request shape, ports 80/81/8000.
 * - [DL] data/poc-facts/D-Link_DSL-2750B_login-cgi-cli.md: the in-the-wild request line.
 * - [GP] data/poc-facts/other-iot-exploit-shapes.md: GPON request shape; Mirai 23:2323 ≈ 10:1.
 * - [PD] data/port-distributions/README.md + CSV: NICTER 2018 darknet port shares.
 * - [IO] data/iocs/satori-2018-iocs.csv: downloader 185.62.190.191; Satori's other ports.
 * Volumes are ours: chosen so scale 1 is ≈1M packets with a 300–800 source peak hour.
 *
 * Addresses (never routed): bot and background pools in 198.18.0.0/15 (RFC 2544), one /17–/20
 * per population so a test can attribute a source; named research scanners in 192.0.2.0/24
 * and 198.51.100.0/24 (RFC 5737); downloaders 198.51.100.7 and .9 stand for the real hosts.
 */

import type { Truth } from "../../schema/truth.js";
import { Background, type BackgroundSpec } from "../background.js";
import { BotCampaign, type BotCampaignSpec, type SessionFn } from "../campaign.js";
import { iso, utc } from "../curves.js";
import {
  KERNEL_EMBEDDED,
  SCANNER_KERNEL,
  SCANNER_MASSCAN,
  SCANNER_MIRAI,
  SCANNER_ZMAP,
} from "../hosts.js";
import {
  DLINK_DOWNLOADER,
  DLINK_REAL_DOWNLOADER,
  DLINK_REQUEST,
  DLINK_RESPONSE,
  DLINK_SPLIT_MAX,
  DLINK_SPLIT_MIN,
  GPON_DOWNLOADER,
  GPON_REQUEST,
  GPON_RESPONSE,
  MIRAI_CREDENTIALS,
  UC_MIN_A,
  UC_REQUEST_LINE,
  UC_RESPONSE,
  ucBody,
} from "../payloads.js";
import { type ResearchScannerSpec, ResearchScanners } from "../research.js";
import { httpRequest, httpTwoWrites, telnetLogin } from "../sessions.js";
import { runTimeline } from "../timeline.js";
import { SENSOR_NET4, SENSOR_NET6 } from "../world.js";
import type { ScenarioContext, ScenarioDescriptor } from "./types.js";

// --- observation
export const START = "2018-06-07T00:00:00Z";
export const END = "2018-06-17T00:00:00Z";
/** Generation window: events are drawn per minute, each minute is sorted then written. */
const WINDOW_US = 60e6;
const GUARD_US = 60e6;

// --- Satori uc-httpd wave [BC][UC]
/** Scans start the day after the June 8 PoC [BC]; a few tens of sources per hour, rising. */
const UC_ONSET = "2018-06-09T04:00:00Z";
/** The surge "picked up" on June 14 [BC]; the hour is ours. */
const UC_SURGE = "2018-06-14T03:00:00Z";
const UC_PEAK = "2018-06-14T05:00:00Z";
/** "Started to die down today" (June 15) as the bots switch exploits [BC]. */
const UC_FADE = "2018-06-15T06:00:00Z";
const UC_ACTIVE = [
  { at: UC_ONSET, value: 28, label: "first scans after the PoC" },
  { at: "2018-06-10T00:00:00Z", value: 35, label: "slow rise" },
  { at: UC_SURGE, value: 60, label: "surge" },
  { at: UC_PEAK, value: 700, label: "peak" },
  { at: UC_FADE, value: 740, label: "fading: bots switch to DSL-2750B" },
  { at: "2018-06-15T18:00:00Z", value: 240, label: "fading" },
  { at: "2018-06-16T12:00:00Z", value: 70, label: "tail" },
] as const;
/** Port mix: "ports 80 or 8000" [BC], 81 in the PoC [UC]. */
// biome-ignore format: table
const UC_PORTS = [[8000, 80], [80, 12], [81, 8]] as const;

// --- Satori DSL-2750B wave [BC][DL]: rises a few hours after the 8000 fade starts
const DL_ONSET = "2018-06-15T10:00:00Z";
const DL_ACTIVE = [
  { at: DL_ONSET, value: 10, label: "rise: new exploit added" },
  { at: "2018-06-16T06:00:00Z", value: 380, label: "spread" },
  { at: END, value: 450, label: "end of observation" },
] as const;
// biome-ignore format: table
const DL_PORTS = [[80, 55], [8080, 45]] as const;
/** Share of DSL-2750B requests split across two TCP segments. */
const DL_SPLIT_SHARE = 0.3;

// --- Satori, both waves: bots probe like Mirai (seq == dst) and keep scanning older targets [IO]
const SATORI_SYNS_PER_BOT_HOUR = 1.4;
const SATORI_FOLLOW_SHARE = 0.35;
const SATORI_OTHER_SHARE = 0.1;
const SATORI_OTHER_PORTS = [37215, 52869, 3333, 23];
const SATORI_CHURN_PER_HOUR = 0.03;
/** The bot's kernel connects this long after its raw probe was answered. */
const SATORI_FOLLOW_DELAY_US = [400_000, 2_500_000] as const;
const SATORI_DAILY_AMPLITUDE = 0.3;
const SATORI_DAILY_PEAK_HOUR = 2;
/** The uc-httpd body carries UC_MIN_A (85, the PoC's minimum) + 0..15 "A"s [UC]. */
const UC_A_SPREAD = 16;

// --- Mirai telnet [GP][PD]: steady, 23:2323 ≈ 10:1, carrying the 23/tcp share of the darknet
const MIRAI_ACTIVE_BOTS = 140;
const MIRAI_LOGIN_SHARE = 0.07;
const MIRAI_LOGIN_ACCEPTED = 0.6;
const MIRAI_CHURN_PER_HOUR = 0.1;
const MIRAI_LOGIN_DELAY_US = [50_000, 1_500_000] as const;
const MIRAI_DAILY_AMPLITUDE = 0.35;
const MIRAI_DAILY_PEAK_HOUR = 20;
// biome-ignore format: table
const MIRAI_PORTS = [[23, 10], [2323, 1]] as const;

// --- GPON CVE-2018-10561/10562 [GP]: a low steady campaign all ten days, no surge
const GPON_ACTIVE_BOTS = 12;
const GPON_SYNS_PER_BOT_HOUR = 2.5;
const GPON_EXPLOIT_SHARE = 0.7;
const GPON_CHURN_PER_HOUR = 0.05;
const GPON_DAILY_AMPLITUDE = 0.3;
const GPON_DAILY_PEAK_HOUR = 9;
// biome-ignore format: table
const GPON_PORTS = [[8080, 60], [80, 40]] as const;

// --- background radiation [PD]
/** 23/tcp 21.7% (NICTER 2018) plus 2323 at a tenth of it [GP]: carried by the Mirai campaign. */
const MIRAI_TELNET_SHARE = 21.7 + 2.17;
/**
 * Percent of all darknet TCP SYNs per port. NICTER 2018: 445 4.8%, 80 3.9%, 22 3.8%, top-10 ports
 * ≈ 46% with 23. The other ports are not published [PD "MISSING"]: ours, keeping that top 10.
 */
// biome-ignore format: table
const BG_TCP_PORTS = [
  [445, 4.8], [80, 3.9], [22, 3.8],
  [1433, 2.4], [3389, 2.2], [8080, 2.0], [5555, 1.6], [37215, 1.4], [52869, 1.2], [81, 1.2],
  [443, 1.2], [7547, 1.0], [21, 0.8], [3306, 0.8], [2222, 0.6], [5900, 0.6], [139, 0.6],
  [8000, 0.5], [6379, 0.5], [8081, 0.5], [135, 0.5], [25, 0.4], [8443, 0.4], [8888, 0.4],
  [8291, 0.4], [9200, 0.3], [1023, 0.3], [5358, 0.3], [60001, 0.3], [3333, 0.3], [3128, 0.3],
  [27017, 0.2], [11211, 0.2], [88, 0.2], [9000, 0.2], [49152, 0.2], [5431, 0.2], [4567, 0.2],
  [8088, 0.2], [10000, 0.2], [2000, 0.2], [110, 0.2], [1080, 0.2], [6001, 0.1],
] as const;
/** The long tail (uniformly random ports) takes the rest, so the shares add up to 100%. */
const BG_RANDOM_PORT_SHARE = 100 - MIRAI_TELNET_SHARE - BG_TCP_PORTS.reduce((s, p) => s + p[1], 0);
/** Background scanning events per hour at scale 1 (ours; sized for the ≈1M packet budget). */
const BG_EVENTS_PER_HOUR = 330;
const BG_ACTIVE_SOURCES = 450;
const BG_CHURN_PER_HOUR = 0.3;
/** The daily cycle of background scanning: ±35%, highest at 14:00Z. */
const BG_DAILY_AMPLITUDE = 0.35;
const BG_DAILY_PEAK_HOUR = 14;
/** Mean extra sensors one TCP event hits (a scanner passing through the /24). */
const BG_BURST_EXTRA = 0.6;
const BG_UDP_SHARE = 0.08;
const BG_ICMP_SHARE = 0.01;
const BG_V6_SHARE = 0.03;
const BG_V6_SOURCES = 400;
const BG_V6_PORTS = [22, 80, 443, 23, 8080, 3389, 445];
/** UDP probe ports with weights; 0 = a random port (sent empty). */
// biome-ignore format: table
const BG_UDP_PORTS = [[53, 25], [123, 20], [161, 15], [1900, 15], [5060, 15], [0, 10]] as const;
const BG_UDP_EMPTY_SHARE = 0.12;
/** Background sources by scanner: kernel Linux, kernel Windows, masscan, ZMap, Mirai-like. */
const BG_SCANNER_MIX = [0.55, 0.2, 0.12, 0.05, 0.08] as const;
/** Share of kernel SYNs to open web ports that fetch `/` (crawlers, banner grabbers). */
const BG_CRAWL_SHARE = 0.15;
const BG_WEB_PORTS = [80, 81, 8000, 8080];

const bgTcpSynsPerHour =
  BG_EVENTS_PER_HOUR * (1 - BG_UDP_SHARE - BG_ICMP_SHARE - BG_V6_SHARE) * (1 + BG_BURST_EXTRA);
/** Mirai's 23+2323 SYNs per hour, sized so 23/tcp keeps its 21.7% of background TCP SYNs. */
const MIRAI_SYNS_PER_HOUR = (bgTcpSynsPerHour * MIRAI_TELNET_SHARE) / (100 - MIRAI_TELNET_SHARE);

// --- research scanners: named actors that sweep the /24 every few hours
// biome-ignore format: table
const RESEARCH: ResearchScannerSpec[] = [
  { address: "192.0.2.10", scanner: SCANNER_MASSCAN, everyHours: 6, firstHour: 1, sweepMinutes: 40, portsPerSweep: 2,
    ports: [22, 80, 443, 445, 3389, 8080, 23, 21, 5900, 1433, 3306, 6379] },
  { address: "192.0.2.11", scanner: SCANNER_MASSCAN, everyHours: 8, firstHour: 3, sweepMinutes: 30, portsPerSweep: 2,
    ports: [8000, 81, 7547, 37215, 52869, 5555, 2323, 8443, 9200, 27017] },
  { address: "198.51.100.20", scanner: SCANNER_ZMAP, everyHours: 8, firstHour: 5, sweepMinutes: 50, portsPerSweep: 1,
    ports: [443, 80, 22, 8080, 21, 25, 110, 143] },
  { address: "198.51.100.21", scanner: SCANNER_ZMAP, everyHours: 12, firstHour: 9, sweepMinutes: 45, portsPerSweep: 1,
    ports: [7547, 8000, 23, 2323, 37215, 502, 102, 47808] },
];

// --- the actors, assembled from the numbers above

const ucSession: SessionFn = (w, t, h, dst, dport) => {
  const body = ucBody(UC_MIN_A + w.rng.int(UC_A_SPREAD));
  httpTwoWrites(w, t, h, dst, dport, UC_REQUEST_LINE, body, UC_RESPONSE);
};

const dlinkSession: SessionFn = (w, t, h, dst, dport) => {
  const split = w.rng.chance(DL_SPLIT_SHARE) ? w.rng.range(DLINK_SPLIT_MIN, DLINK_SPLIT_MAX) : 0;
  httpRequest(w, t, h, dst, dport, DLINK_REQUEST, split, DLINK_RESPONSE);
};

const telnetSession: SessionFn = (w, t, h, dst, dport) => {
  const credential = w.rng.int(MIRAI_CREDENTIALS.length);
  telnetLogin(w, t, h, dst, dport, credential, w.rng.chance(MIRAI_LOGIN_ACCEPTED));
};

const gponSession: SessionFn = (w, t, h, dst, dport) =>
  httpRequest(w, t, h, dst, dport, GPON_REQUEST, 0, GPON_RESPONSE);

/** What both Satori waves share: Mirai-style probes, embedded kernels, other ports now and then. */
const SATORI_BOTS = {
  phased: true,
  synsPerBotHour: SATORI_SYNS_PER_BOT_HOUR,
  dailyAmplitude: SATORI_DAILY_AMPLITUDE,
  dailyPeakHour: SATORI_DAILY_PEAK_HOUR,
  churnPerHour: SATORI_CHURN_PER_HOUR,
  scanner: SCANNER_MIRAI,
  kernel: KERNEL_EMBEDDED,
  otherPortShare: SATORI_OTHER_SHARE,
  otherPorts: SATORI_OTHER_PORTS,
  followShare: SATORI_FOLLOW_SHARE,
  followDelayUs: SATORI_FOLLOW_DELAY_US,
} as const;

const CAMPAIGNS: BotCampaignSpec[] = [
  {
    ...SATORI_BOTS,
    label: {
      id: "satori-uc-httpd",
      name: "Satori XiongMai uc-httpd wave",
      family: "satori",
      cve: ["CVE-2018-10088"],
      payloadKind: "uc-httpd-overflow",
      fingerprint: "mirai",
      surge: true,
    },
    stream: 0x1001,
    block: "198.19.128.0/18",
    active: UC_ACTIVE,
    ports: UC_PORTS,
    session: ucSession,
  },
  {
    ...SATORI_BOTS,
    // CVE-2016-20017 was assigned in 2023 to this 2016 bug (EDB 44760) [DL]
    label: {
      id: "satori-dlink",
      name: "Satori D-Link DSL-2750B wave",
      family: "satori",
      cve: ["CVE-2016-20017"],
      payloadKind: "dlink-login-cgi",
      fingerprint: "mirai",
      surge: true,
      downloader: DLINK_DOWNLOADER,
      realDownloader: DLINK_REAL_DOWNLOADER,
    },
    stream: 0x1002,
    block: "198.19.192.0/19",
    active: DL_ACTIVE,
    ports: DL_PORTS,
    session: dlinkSession,
  },
  {
    label: {
      id: "mirai-telnet",
      name: "Mirai telnet scanning and brute force",
      family: "mirai",
      cve: [],
      payloadKind: "telnet-mirai",
      fingerprint: "mirai",
      surge: false,
    },
    stream: 0x1003,
    block: "198.19.0.0/17",
    active: [{ at: START, value: MIRAI_ACTIVE_BOTS, label: "steady" }],
    phased: false,
    synsPerBotHour: MIRAI_SYNS_PER_HOUR / MIRAI_ACTIVE_BOTS,
    dailyAmplitude: MIRAI_DAILY_AMPLITUDE,
    dailyPeakHour: MIRAI_DAILY_PEAK_HOUR,
    churnPerHour: MIRAI_CHURN_PER_HOUR,
    ports: MIRAI_PORTS,
    scanner: SCANNER_MIRAI,
    kernel: KERNEL_EMBEDDED,
    otherPortShare: 0,
    otherPorts: [],
    followShare: MIRAI_LOGIN_SHARE,
    followDelayUs: MIRAI_LOGIN_DELAY_US,
    session: telnetSession,
  },
  {
    // GPON exploitation in 2018 came from several Mirai-derived families, not one botnet [GP]
    label: {
      id: "gpon",
      name: "GPON diag_Form command injection",
      family: "mixed",
      cve: ["CVE-2018-10561", "CVE-2018-10562"],
      payloadKind: "gpon-diag",
      fingerprint: "none",
      surge: false,
      downloader: GPON_DOWNLOADER,
    },
    stream: 0x1004,
    block: "198.19.224.0/20",
    active: [{ at: START, value: GPON_ACTIVE_BOTS, label: "steady" }],
    phased: false,
    synsPerBotHour: GPON_SYNS_PER_BOT_HOUR,
    dailyAmplitude: GPON_DAILY_AMPLITUDE,
    dailyPeakHour: GPON_DAILY_PEAK_HOUR,
    churnPerHour: GPON_CHURN_PER_HOUR,
    ports: GPON_PORTS,
    scanner: SCANNER_KERNEL,
    kernel: KERNEL_EMBEDDED,
    otherPortShare: 0,
    otherPorts: [],
    followShare: GPON_EXPLOIT_SHARE,
    followDelayUs: [0, 1],
    session: gponSession,
  },
];

const BACKGROUND: BackgroundSpec = {
  stream: 0x2001,
  block: "198.18.0.0/16",
  v6Sources: BG_V6_SOURCES,
  eventsPerHour: BG_EVENTS_PER_HOUR,
  dailyAmplitude: BG_DAILY_AMPLITUDE,
  dailyPeakHour: BG_DAILY_PEAK_HOUR,
  activeSources: BG_ACTIVE_SOURCES,
  churnPerHour: BG_CHURN_PER_HOUR,
  tcpPorts: BG_TCP_PORTS,
  randomPortShare: BG_RANDOM_PORT_SHARE,
  burstExtra: BG_BURST_EXTRA,
  udpShare: BG_UDP_SHARE,
  icmpShare: BG_ICMP_SHARE,
  v6Share: BG_V6_SHARE,
  udpPorts: BG_UDP_PORTS,
  udpEmptyShare: BG_UDP_EMPTY_SHARE,
  v6Ports: BG_V6_PORTS,
  scannerMix: BG_SCANNER_MIX,
  crawlShare: BG_CRAWL_SHARE,
  webPorts: BG_WEB_PORTS,
};

function generate(ctx: ScenarioContext): Truth {
  const { w, q } = ctx;
  const start = utc(START);
  const end = utc(END);
  const campaigns = CAMPAIGNS.map((spec) => new BotCampaign(spec, w, start, end));

  const bg = new Background(BACKGROUND, w);
  const research = new ResearchScanners(RESEARCH, w, start, bg.ports);

  runTimeline(q, [bg, research, ...campaigns], {
    start,
    end,
    windowUs: WINDOW_US,
    guardUs: GUARD_US,
    progressEvery: 60,
    ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
  });

  return {
    version: 1,
    scenario: "satori-2018",
    seed: ctx.seed,
    scale: ctx.scale,
    network: SENSOR_NET4,
    network6: SENSOR_NET6,
    start: iso(start),
    end: iso(end),
    packets: q.written,
    campaigns: campaigns.map((c) => c.truth()),
    background: {
      sources: bg.sources() + research.sources(),
      ports: bg.ports.reduce((n, v) => n + v, 0),
      description:
        "darknet-style scanning from 198.18.0.0/16 (TCP SYN bursts to NICTER-2018-like port shares, " +
        "UDP probes to 53/123/161/1900/5060 and random ports, ICMP echo, IPv6 SYNs from 2001:db8::/32), " +
        "web crawlers fetching /, and research scanners (masscan 192.0.2.10-11, ZMap 198.51.100.20-21) " +
        "sweeping the /24 every 6-12 hours",
    },
  };
}

export const satori2018: ScenarioDescriptor = {
  name: "satori-2018",
  description: `honeypot /24, 2018-06-07..17: Satori uc-httpd (8000) surge, DSL-2750B wave, Mirai, GPON, background (≈1M packets)`,
  generate,
};
