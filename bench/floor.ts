/**
 * @module The floor for any TypeScript capture reader: one reused 1 MiB buffer, walk little-endian
 * microsecond pcap records, count TCP destination ports of Ethernet/IPv4 frames. Nothing else.
 */
import { closeSync, openSync, readSync } from "node:fs";

export function floorCount(path: string): { packets: number; checksum: number } {
  const fd = openSync(path, "r");
  const buf = Buffer.allocUnsafe(1 << 20);
  const ports = new Uint32Array(65536);
  let have = 0;
  let pos = 24;
  let packets = 0;
  let skipHeader = true;
  for (;;) {
    const n = readSync(fd, buf, have, buf.length - have, null);
    have += n;
    if (skipHeader) {
      skipHeader = false;
    } else {
      pos = 0;
    }
    while (pos + 16 <= have) {
      const caplen = buf.readUInt32LE(pos + 8);
      if (pos + 16 + caplen > have) break;
      const f = pos + 16;
      if (caplen >= 38 && buf[f + 12] === 8 && buf[f + 13] === 0 && buf[f + 23] === 6) {
        const ihl = ((buf[f + 14] as number) & 15) * 4;
        ports[buf.readUInt16BE(f + 14 + ihl + 2)]++;
      }
      packets++;
      pos += 16 + caplen;
    }
    if (n === 0) break;
    buf.copy(buf, 0, pos, have);
    have -= pos;
    pos = 0;
  }
  closeSync(fd);
  let checksum = 0;
  for (let i = 0; i < ports.length; i++) checksum = (checksum + (ports[i] as number) * i) | 0;
  return { packets, checksum };
}

if (process.argv[1]?.endsWith("floor.js") && process.argv[2] !== undefined) {
  const r = floorCount(process.argv[2]);
  process.stdout.write(`${r.packets} ${r.checksum}\n`);
}
