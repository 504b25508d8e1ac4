/**
 * Where the kernel Image was linked to run. Image offset 0 is `_text`; when kallsyms holds
 * `_text` that settles it. Without CONFIG_KALLSYMS_ALL, 32-bit Arm kernels list only symbols from
 * `_stext` on, and `_text` (the head code before it, at PAGE_OFFSET + TEXT_OFFSET) is absent.
 * Then the code itself tells: A32 BL instructions (cond AL) encode PC-relative targets, so the
 * Image offsets the kernel calls most often, plus the right link address, land on function
 * symbols; any other candidate address almost never does.
 */
import { KallsymsError } from './errors';
import type { KallsymsSymbol } from './kallsyms';

export interface LinkAddress {
  readonly address: number;
  readonly source: 'symbol _text' | 'branch targets';
  /** For 'branch targets': how many of the most-called Image offsets land on a function. */
  readonly matched?: number;
  readonly sampled?: number;
}

const SAMPLE = 64;
const FUNCTION_TYPES = new Set(['T', 't', 'W', 'w']);

export function findLinkAddress(image: Uint8Array, symbols: readonly KallsymsSymbol[]): LinkAddress {
  const text = symbols.find((s) => s.name === '_text');
  if (text !== undefined) return { address: text.address, source: 'symbol _text' };

  const functions = new Set<number>();
  for (const s of symbols) if (FUNCTION_TYPES.has(s.type)) functions.add(s.address);
  if (functions.size === 0) throw new KallsymsError('cannot place the Image: kallsyms has no _text and no function symbols');
  const targets = mostCalledOffsets(image);
  if (targets.length < 8) throw new KallsymsError(`cannot place the Image: kallsyms has no _text and only ${targets.length} A32 BL targets were found`);

  // Candidate bases put two of the most-called offsets on functions at once; only those are scored.
  const scores = new Map<number, number>();
  for (const [a, b] of [
    [0, 1],
    [0, 2],
    [1, 2],
    [2, 3],
  ]) {
    for (const f of functions) {
      const base = (f - targets[a]) >>> 0;
      if (base % 4 !== 0 || scores.has(base) || !functions.has((base + targets[b]) >>> 0)) continue;
      let hits = 0;
      for (const t of targets) if (functions.has((base + t) >>> 0)) hits++;
      scores.set(base, hits);
    }
  }
  const ranked = [...scores.entries()].sort((a, b) => b[1] - a[1]);
  const [best, second] = ranked;
  const runnerUp = second?.[1] ?? 0;
  if (best === undefined || best[1] < targets.length / 2 || best[1] < 2 * runnerUp) {
    throw new KallsymsError(
      `cannot place the Image: kallsyms has no _text, and no link address makes the most-called A32 branch targets land on functions (best ${best?.[1] ?? 0} of ${targets.length}, runner-up ${runnerUp})`,
    );
  }
  return { address: best[0], source: 'branch targets', matched: best[1], sampled: targets.length };
}

/** Image offsets targeted by the most A32 `BL <label>` (cond AL) instructions, most first. */
function mostCalledOffsets(image: Uint8Array): number[] {
  const counts = new Map<number, number>();
  for (let at = 0; at + 4 <= image.length; at += 4) {
    // DDI 0487 AArch32 "BL, BLX (immediate)" encoding A1: cond 1011 imm24, target = PC + imm24:00, PC = address + 8.
    if (image[at + 3] !== 0xeb) continue;
    const imm24 = image[at] | (image[at + 1] << 8) | (image[at + 2] << 16);
    const target = at + 8 + ((imm24 << 8) >> 6);
    if (target < 0 || target >= image.length) continue;
    counts.set(target, (counts.get(target) ?? 0) + 1);
  }
  return [...counts.entries()]
    .filter(([, n]) => n >= 2)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, SAMPLE)
    .map(([t]) => t);
}
