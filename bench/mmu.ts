/**
 * Memory-system benchmarks: stage 2 translations per second on TLB hits and on misses (each a
 * real walk of the p2m in memory), and the time to iterate the mapped pages of a sparse 16 GiB
 * guest. Wired into `npm run bench` by bench/run.ts.
 */

import { FrameAllocator } from '../src/mmu/frame-allocator';
import { P2m } from '../src/mmu/p2m';
import { PhysicalMemory } from '../src/mmu/physical-memory';
import { S2_NORMAL_RW } from '../src/mmu/stage2-descriptor';
import { stage2RegimeFor } from '../src/mmu/stage2-regime';
import { Tlb } from '../src/mmu/tlb';
import { Translator } from '../src/mmu/translator';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

const GiB = 2 ** 30;

function sparseGuest(pages: number) {
  const mem = new PhysicalMemory([
    { base: 0, size: 2 ** 36 },
    { base: 2 ** 40, size: 2 ** 28 },
  ]);
  const p2m = new P2m(mem, new FrameAllocator(mem, 2 ** 40, 2 ** 28));
  // One 4 KiB page every 1 MiB across 16 GiB: page-granular, so the tables are real and deep.
  const stride = (16 * GiB) / pages;
  for (let i = 0; i < pages; i++) p2m.map(GiB + i * stride, 4 * GiB + i * 4096, 4096, S2_NORMAL_RW);
  const tlb = new Tlb();
  const translator = new Translator(mem, tlb);
  translator.setStage2(stage2RegimeFor(p2m));
  return { mem, p2m, tlb, translator, stride };
}

function perSecond(n: number, ms: number): number {
  return Math.round((n / ms) * 1000);
}

export function benchMmu(): BenchResult[] {
  const pages = 16384;
  const g = sparseGuest(pages);
  const results: BenchResult[] = [];

  // TLB hits: a working set of 64 pages, stage 1 off, stage 2 on.
  const hot = 64;
  for (let i = 0; i < hot; i++) g.translator.translate(GiB + i * g.stride, 'read', 1);
  const hitN = 2_000_000;
  let t0 = performance.now();
  let sink = 0;
  for (let i = 0; i < hitN; i++) sink += g.translator.translate(GiB + (i % hot) * g.stride + (i & 0xff8), 'read', 1).pa;
  results.push({ name: 'mmu: stage 2 translations on TLB hits', value: perSecond(hitN, performance.now() - t0), unit: 'translations/s' });

  // TLB misses: every translation walks the p2m (the stage 2 map is emptied each time).
  const missN = 200_000;
  const s2 = g.tlb.stage2For(g.p2m.vmid);
  t0 = performance.now();
  for (let i = 0; i < missN; i++) {
    s2.clear();
    sink += g.translator.translate(GiB + (i % pages) * g.stride, 'read', 1).pa;
  }
  results.push({ name: 'mmu: stage 2 translations on TLB misses (p2m walks)', value: perSecond(missN, performance.now() - t0), unit: 'translations/s' });

  // Iterating every mapped page of the sparse 16 GiB guest.
  const rounds = 20;
  let seen = 0;
  t0 = performance.now();
  for (let r = 0; r < rounds; r++) g.p2m.forEachMapped(() => seen++);
  const ms = (performance.now() - t0) / rounds;
  if (seen !== pages * rounds || sink === 0) throw new Error('bench: p2m iteration saw the wrong number of pages');
  results.push({ name: `mmu: forEachMapped over a sparse 16 GiB guest (${pages} pages)`, value: Math.round(ms * 1000) / 1000, unit: 'ms' });
  return results;
}
