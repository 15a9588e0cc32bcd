import { describe, expect, it } from "vitest";
import { FlowStore, LIST_EST, LIST_SYN } from "./flow-store.js";

describe("FlowStore index", () => {
  it("stays consistent under colliding hashes that wrap around the table", () => {
    const st = new FlowStore();
    const model = new Map<number, number>(); // key -> row
    let x = 3;
    const rnd = (n: number) => {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      return x % n;
    };
    // Hashes crowd the last slots of the 4096-slot table so probe runs wrap to slot 0.
    const hashOf = (k: number) => 4090 + (k % 9);
    for (let i = 0; i < 50000; i++) {
      const k = rnd(1500);
      const f = st.find4(k, 0, 0, 6, hashOf(k));
      expect(f).toBe(model.get(k) ?? -1);
      if (f === -1) {
        const row = st.alloc();
        st.addrA[row] = k;
        st.addrB[row] = 0;
        st.ports[row] = 0;
        st.proto[row] = 6;
        st.hash[row] = hashOf(k);
        st.flags[row] = 0;
        st.insert4(row);
        st.push(row, LIST_SYN);
        model.set(k, row);
      } else if (rnd(2) === 0) {
        st.unindex(f);
        st.unlink(f);
        st.release(f);
        model.delete(k);
      }
    }
    for (const [k, row] of model) expect(st.find4(k, 0, 0, 6, hashOf(k))).toBe(row);
    expect(st.active).toBe(model.size);
  });

  it("keeps LRU lists ordered and finds the oldest across lists", () => {
    const st = new FlowStore();
    const rows = [0, 1, 2, 3].map((i) => {
      const f = st.alloc();
      st.last[f] = i;
      st.push(f, i % 2 === 0 ? LIST_SYN : LIST_EST);
      return f;
    });
    expect(st.oldest()).toBe(rows[0]);
    st.last[rows[0] as number] = 10;
    st.touch(rows[0] as number, LIST_EST);
    expect(st.oldest()).toBe(rows[1]);
    expect(st.heads[LIST_SYN]).toBe(rows[2]);
    expect(st.tails[LIST_EST]).toBe(rows[0]);
  });
});
