/** The `xz` command as an oracle: it compresses what the tests then decompress with src/linux. */
import { execFileSync, spawnSync } from 'node:child_process';
import { xorshift } from './kallsyms-builder';

export function xzAvailable(): boolean {
  return spawnSync('xz', ['--version']).status === 0;
}

export function xz(data: Uint8Array, args: readonly string[]): Uint8Array {
  return new Uint8Array(execFileSync('xz', [...args, '--stdout'], { input: data, maxBuffer: 1 << 28 }));
}

/** `xz -t` on a stream: true when xz itself accepts its framing and data. */
export function xzAccepts(stream: Uint8Array): boolean {
  return spawnSync('xz', ['-t', '--stdout'], { input: stream }).status === 0;
}

/** Code-like bytes: words repeat, a quarter are A32 BLs (cond AL) and some T32 BL pairs. */
export function codeLike(words: number, seed: number): Uint8Array {
  const next = xorshift(seed);
  const out = new Uint8Array(words * 4);
  const view = new DataView(out.buffer);
  const common = Array.from({ length: 32 }, () => next());
  for (let i = 0; i < words; i++) {
    const r = next() % 8;
    let w: number;
    if (r < 2) w = (0xeb000000 | (next() & 0xffffff)) >>> 0;
    else if (r === 2) w = ((0xf800 | (next() & 0x7ff)) << 16) | 0xf000 | (next() & 0x7ff);
    else if (r < 6) w = common[next() % common.length];
    else w = next();
    view.setUint32(i * 4, w >>> 0, true);
  }
  return out;
}
