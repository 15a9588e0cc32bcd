import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { UsageError } from "../schema/errors.js";
import { rulesCommand } from "./rules.js";

function capture(): { out: () => string } {
  let text = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    text += String(s);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => {
    text += String(s);
    return true;
  });
  return { out: () => text };
}

describe("portent rules check", () => {
  afterEach(() => vi.restoreAllMocks());
  const dir = mkdtempSync(join(tmpdir(), "portent-rules-"));
  const file = join(dir, "local.rules");
  writeFileSync(
    file,
    [
      'alert http any any -> any any (msg:"ok"; http.uri; content:"/shell?"; sid:1;)',
      'alert tls any any -> any any (msg:"sni"; tls.sni; content:"x"; sid:2;)',
      'alert tcp any any -> any any (msg:"bad"; content:"|4|"; sid:3;)',
    ].join("\n"),
  );

  it("prints totals, the unsupported histogram and each invalid rule", async () => {
    const c = capture();
    expect(await rulesCommand.run(["check", file])).toBe(0);
    const out = c.out();
    expect(out).toContain(`${file}: 1 loaded, 1 unsupported (tls.sni 1), 1 invalid`);
    expect(out).toContain(`invalid: ${file}:3 sid 3 [content]: content: odd number of hex digits`);
    expect(out).not.toContain(`${file}:2`);
    expect(out).toContain("total: 3 rules in 1 file, 33.3% supported (2 skipped)");
  });

  it("lists unsupported rules with --verbose and reads folders", async () => {
    const c = capture();
    expect(await rulesCommand.run(["check", "--verbose", dir])).toBe(0);
    expect(c.out()).toContain(
      `unsupported: ${file}:2 sid 2 [tls.sni]: unsupported keyword tls.sni`,
    );
  });

  it("exits 1 on an unreadable file and 2 on usage errors", async () => {
    const c = capture();
    expect(await rulesCommand.run(["check", join(dir, "missing.rules"), file])).toBe(1);
    expect(c.out()).toContain("missing.rules: no such file or folder");
    await expect(rulesCommand.run(["nope"])).rejects.toThrow(UsageError);
    await expect(rulesCommand.run(["check"])).rejects.toThrow(UsageError);
  });
});
