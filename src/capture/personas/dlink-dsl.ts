/**
 * @module The dlink-dsl persona: the web UI of a D-Link DSL-2750B (AYECOM firmware 1.03), target of
 * the `login.cgi?cli=` command injection (CVE-2016-20017, Satori's June 2018 worm).
 */

import { escapeHtml, type HttpAnswer, httpDate } from "./http-answer.js";
import { type DeviceRequest, httpPersona } from "./http-persona.js";
import type { Persona, PersonaContext } from "./persona.js";

/** The web server banner: the Boa build of these Broadcom-based DSL routers. */
export const DLINK_SERVER = "Boa/0.94.14rc21";
/** The firmware version the persona reports (1.01-1.03 are the vulnerable ones). */
export const DLINK_FWVER = "1.03";
/** Seconds Boa keeps an idle keep-alive connection (its `Keep-Alive: timeout=`). */
const KEEPALIVE_TIMEOUT = 10;
/** The build date of the pages, as their Last-Modified. */
const BUILT = Date.UTC(2015, 11, 8, 3, 12, 40);

/**
 * Boa's header order: Date and Server first, then Accept-Ranges, the keep-alive phrase, the
 * length, Last-Modified and the type. Boa answers "HTTP/1.0" even to HTTP/1.1 clients.
 */
function answer(
  status: number,
  body: string,
  ctx: PersonaContext,
  keepAlive: boolean,
  type = "text/html",
): HttpAnswer {
  const headers: Array<[string, string]> = [
    ["Date", httpDate(ctx.now())],
    ["Server", DLINK_SERVER],
    ["Accept-Ranges", "bytes"],
  ];
  if (keepAlive && status < 400) {
    headers.push(
      ["Connection", "Keep-Alive"],
      ["Keep-Alive", `timeout=${KEEPALIVE_TIMEOUT}, max=1000`],
    );
  } else {
    headers.push(["Connection", "close"]);
  }
  headers.push(["Content-Length", ""]);
  if (status === 200) headers.push(["Last-Modified", httpDate(BUILT)]);
  headers.push(["Content-Type", type]);
  return { status, version: "HTTP/1.0", headers, body, close: !keepAlive || status >= 400 };
}

const LOGIN = `<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">
<title>D-Link DSL-2750B</title>
<link rel="stylesheet" href="style.css" type="text/css">
<script language="javascript" src="ayefeaturesconvert.js"></script>
<script language="javascript">
function frmLoad() { document.forms[0].username.focus(); }
</script>
</head>
<body onload="frmLoad()">
<div class="pp">Product Page : DSL-2750B</div>
<div class="hwv">Hardware Version : D1</div>
<div class="fwv">Firmware Version : EU_${DLINK_FWVER}</div>
<form name="login" method="GET" action="login.cgi">
<table class="login">
<tr><td>Username :</td><td><input type="text" name="username" maxlength="15"></td></tr>
<tr><td>Password :</td><td><input type="password" name="password" maxlength="15"></td></tr>
<tr><td colspan="2"><input type="submit" value="Login"></td></tr>
</table>
</form>
<div class="copyright">Copyright &copy; 2012-2015 D-Link Corporation. All rights reserved.</div>
</body>
</html>
`;

const FEATURES_JS = `var AYECOM_PRIVATE="private";
var AYECOM_AREA="EU";
var AYECOM_FWVER="${DLINK_FWVER}";
var AYECOM_HWVER="D1";
var AYECOM_PRIVATEDIR="private";
var AYECOM_PROFILE="DSL-2750B";
var FIRST_HTML="";
var BUILD_GUI_VERSIOIN_EU="y";
`;

/** What login.cgi sends back whatever it was given: the browser goes back to the login page. */
const LOGIN_CGI = `<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">
<script language="javascript">top.location.href="/index.html";</script>
</head><body></body></html>
`;

function notFound(path: string): string {
  return `<HTML><HEAD><TITLE>404 Not Found</TITLE></HEAD>
<BODY><H1>404 Not Found</H1>
The requested URL ${escapeHtml(path.slice(0, 200))} was not found on this server.
</BODY></HTML>
`;
}

const BAD_REQUEST = `<HTML><HEAD><TITLE>400 Bad Request</TITLE></HEAD>
<BODY><H1>400 Bad Request</H1>
Your client has issued a malformed or illegal request.
</BODY></HTML>
`;

const NOT_IMPLEMENTED = `<HTML><HEAD><TITLE>501 Method Not Implemented</TITLE></HEAD>
<BODY><H1>501 Method Not Implemented</H1>
The method is not supported by this server.
</BODY></HTML>
`;

function respond(req: DeviceRequest, ctx: PersonaContext): HttpAnswer {
  const ka = req.keepAlive;
  if (req.method !== "GET" && req.method !== "HEAD" && req.method !== "POST") {
    return answer(501, NOT_IMPLEMENTED, ctx, ka);
  }
  switch (req.path) {
    case "/":
    case "/index.html":
    case "/login.html":
      return answer(200, LOGIN, ctx, ka);
    case "/login.cgi":
      return answer(200, LOGIN_CGI, ctx, ka);
    case "/ayefeaturesconvert.js":
      return answer(200, FEATURES_JS, ctx, ka, "application/x-javascript");
    case "/style.css":
      return answer(200, "body{font-family:Arial;font-size:12px;}\n", ctx, ka, "text/css");
    default:
      return answer(404, notFound(req.path), ctx, ka);
  }
}

/** D-Link DSL-2750B ADSL router web UI. */
export const dlinkDslPersona: Persona = httpPersona({
  name: "dlink-dsl",
  summary: "D-Link DSL-2750B web UI (Boa, firmware 1.03; login.cgi cli injection, CVE-2016-20017)",
  ports: [80, 8080],
  respond,
  reject: (status, ctx) => answer(status, BAD_REQUEST, ctx, false),
});
