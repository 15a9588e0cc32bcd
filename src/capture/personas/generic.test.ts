import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bannerOption, genericPersona } from "./generic.js";
import { testCtx } from "./persona-fixture.js";

describe("generic persona", () => {
  it("sends nothing and answers nothing, whatever arrives", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 5000 }), { maxLength: 10 }), (chunks) => {
        const s = genericPersona.open(testCtx(5555));
        expect(s.greet()).toEqual([]);
        for (const c of chunks) expect(s.data(c)).toEqual([]);
      }),
    );
  });

  it("greets with the banner option, escapes decoded", () => {
    const s = genericPersona.open(testCtx(5555, { banner: "SSH-2.0-dropbear_2014.63\\r\\n" }));
    expect(s.greet()).toEqual([{ data: "SSH-2.0-dropbear_2014.63\r\n" }]);
    expect(bannerOption({ banner: "a\\tb\\\\n" })).toBe("a\tb\\n");
    expect(bannerOption({ banner: "x".repeat(10_000) })).toHaveLength(4096);
    expect(genericPersona.ports).toEqual([]);
  });
});
