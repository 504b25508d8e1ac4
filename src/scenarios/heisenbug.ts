/**
 * The Cubietruck heisenbug from real binaries: U-Boot (qemu_arm) in flash bank 0 copies a Linux
 * zImage from flash bank 1 into RAM with its data cache on, cleans its caches by set/way, turns
 * them off and jumps to the zImage, which runs from memory. A migration in the middle of that
 * flush leaves lines dirty in the first pCPU's L1: the kernel starts on the other pCPU and reads
 * memory that is stale. One run per policy and migration point, each ending at the kernel's
 * banner, an exception the guest cannot survive, or the budget; judged against bare metal over
 * U-Boot and the first instructions of the kernel (`compareAfterJump`).
 */
import type { CacheSystem } from '../cache/cache-system';
import { cachePreset } from '../cache/presets';
import type { KernelSymbolizer } from '../linux/kernel-symbolizer';
import type { MachineTraceSink } from '../hyp/machine';
import type { Vm } from '../hyp/vm';
import { runBoot, type BootOptions } from './boot';
import { dataLost, lostData, type Divergence } from './lockstep/verdict';

export interface HeisenbugOptions {
  /** Debian's U-Boot for qemu_arm (u-boot.bin). */
  readonly firmware: Uint8Array;
  /** Debian's armmp zImage, put in flash bank 1. */
  readonly zImage: Uint8Array;
  readonly policies: readonly string[];
  /** After-sw migration points (S/W op numbers); default: `points` spread over the L1 pass of U-Boot's last flush. */
  readonly migrateAt?: readonly number[];
  readonly points?: number;
  /** Instructions per run (default 2.3e9: the decompressor alone runs ~2.0 G). */
  readonly budget?: number;
  /** Guest instructions after the jump compared with bare metal in lockstep (default 5 M). */
  readonly compareAfterJump?: number;
  readonly bootargs?: string;
  /** Names kernel addresses (from the zImage's kallsyms), for a failure inside the kernel. */
  readonly symbolizer?: KernelSymbolizer;
  /** The first divergence as the verdict has it (where on the timeline), beside the row. */
  readonly onRow?: (row: HeisenbugRow, divergence: Divergence | null) => void;
  /** A trace sink for one row's run (a timeline recorder), asked before it starts. */
  readonly traceFor?: (policy: string, migration: string) => MachineTraceSink | undefined;
}

export type HeisenbugOutcome = 'boots' | 'early-boot abort' | 'hangs' | 'panics';

export interface HeisenbugRow {
  readonly policy: string;
  /** As `--migrate` takes it: `after-sw:K`. */
  readonly migration: string;
  readonly outcome: HeisenbugOutcome;
  /** The failure, with where the guest was (the image and offset, or the kernel symbol). */
  readonly detail: string;
  /** What was still dirty on another pCPU after U-Boot's clean+invalidate pass: the one-line explanation. */
  readonly strandedAtJump: string;
  readonly strandedLines: number;
  /** The verdict over the compared window. */
  readonly lostData: boolean;
  readonly staleReads: number;
  readonly firstDivergence: string | null;
  readonly instructions: number;
  readonly traps: number;
  readonly setWayOpsTrapped: number;
  readonly linesByAddress: number;
  readonly wallMs: number;
  /** U-Boot's and the kernel's console. */
  readonly console: string;
}

export interface HeisenbugReport {
  /** S/W ops before U-Boot's last flush, and the L1 ops of one pass over it. */
  readonly flushStartsAfter: number;
  readonly l1Ops: number;
  /** Instructions to the jump on bare metal (no migration). */
  readonly jumpAt: number;
  readonly kernelAt: number;
  readonly rows: readonly HeisenbugRow[];
}

export const HEISENBUG_BOOTARGS = 'console=ttyAMA0 earlycon cryptomgr.notests';
const BANNER = /Booting Linux on physical CPU/;
const PRESET = 'qemu-cortex-a15';
/** Where Debian's qemu_arm U-Boot environment puts the kernel (kernel_addr_r). */
const KERNEL_ADDR = 0x4040_0000;

/** What is typed at U-Boot's prompt: copy the zImage from flash bank 1 to kernel_addr_r, boot it. */
export function heisenbugInput(zImageBytes: number): string {
  return ` cp.b 0x04000000 \${kernel_addr_r} ${zImageBytes.toString(16)}; bootz \${kernel_addr_r} - \${fdtcontroladdr}\n`;
}

export function runHeisenbug(o: HeisenbugOptions): HeisenbugReport {
  const input = heisenbugInput(o.zImage.length);
  const bootargs = o.bootargs ?? HEISENBUG_BOOTARGS;
  const base: ChainBase = { firmware: o.firmware, flash1: o.zImage, vcpus: 1, preset: PRESET, input, inputAfter: /Hit any key/, bootargs, seed: 1 };
  // Bare metal to the jump: how many S/W ops come before the last flush, and when the jump is.
  const probe = runBoot({
    ...base,
    policy: 'passthrough:novm',
    migration: { kind: 'never' },
    compare: false,
    budget: 200_000_000,
    until: /Starting kernel/,
  });
  if (probe.failure !== null || !/Starting kernel/.test(probe.console)) throw new HeisenbugError(`U-Boot did not reach "Starting kernel" on bare metal: ${probe.failure ?? probe.end}`);
  const opsAtStart = probe.machine.cost.setWayOps;
  const jumpAt = probe.instructions;
  const levels = cachePreset(PRESET).levels.filter((l) => l.kind !== 'instruction' && l.setWay !== false);
  const l1Ops = levels.filter((l) => l.level === 1).reduce((n, l) => n + l.sets * l.ways, 0);
  // One pass of a by-set/way flush over every data level (U-Boot's loop runs to the LoC).
  const passOps = levels.reduce((n, l) => n + l.sets * l.ways, 0);
  const points = o.points ?? 3;
  const at = o.migrateAt ?? Array.from({ length: points }, (_, i) => opsAtStart + Math.round((l1Ops * (i + 1)) / (points + 1)));
  // Where U-Boot put the device tree it hands over: the same in every run (same input, same RAM).
  const fdt = deviceTreeRange(probe.console);
  const rows: HeisenbugRow[] = [];
  for (const k of at) {
    for (const policy of o.policies) {
      const { row, divergence } = runRow(o, base, policy, k, jumpAt + (o.compareAfterJump ?? 5_000_000), opsAtStart + passOps, fdt);
      rows.push(row);
      o.onRow?.(row, divergence);
    }
  }
  return { flushStartsAfter: opsAtStart, l1Ops, jumpAt, kernelAt: KERNEL_ADDR, rows };
}

type ChainBase = Omit<BootOptions, 'policy' | 'migration'>;

function runRow(o: HeisenbugOptions, base: ChainBase, policy: string, k: number, compareInstructions: number, cleanPassEnds: number, fdt: [number, number] | null): { row: HeisenbugRow; divergence: Divergence | null } {
  let stranded = '';
  let strandedLines = 0;
  let guest: Vm | undefined;
  const t0 = performance.now();
  const zEnd = KERNEL_ADDR + o.zImage.length;
  const r = runBoot({
    ...base,
    policy,
    migration: { kind: 'after-setway', k },
    trace: o.traceFor?.(policy, `after-sw:${k}`),
    budget: o.budget ?? 2_300_000_000,
    until: BANNER,
    compareInstructions,
    onRound: (machine, vm) => {
      guest = vm;
      if (stranded !== '') return;
      const vcpu = vm.vcpus[0];
      const pc = vcpu.cpu.pc >>> 0;
      // At the end of U-Boot's clean+invalidate pass, or at the jump if a round spans both.
      if (vcpu.setWayOps < cleanPassEnds && (pc < KERNEL_ADDR || pc >= zEnd)) return;
      const s = strandedSummary(machine.caches, vm, vcpu.pcpu, fdt, zEnd);
      stranded = s.text;
      strandedLines = s.lines;
    },
  });
  // A guest that dies in the round its flush ends never reaches onRound after it: what it left
  // stranded then is still there at its end.
  if (stranded === '' && guest !== undefined && guest.vcpus[0].setWayOps >= cleanPassEnds) {
    const s = strandedSummary(r.machine.caches, guest, guest.vcpus[0].pcpu, fdt, zEnd);
    stranded = s.text;
    strandedLines = s.lines;
  }
  const v = r.verdict!;
  const outcome: HeisenbugOutcome = BANNER.test(r.console) ? 'boots' : r.end.startsWith('panic') ? 'panics' : r.failure !== null && !/BudgetExceeded/.test(r.failure) ? 'early-boot abort' : 'hangs';
  const row: HeisenbugRow = {
    policy,
    migration: `after-sw:${k}`,
    outcome,
    detail: outcome === 'boots' ? '' : describeEnd(r.failure ?? r.end, (guest?.vcpus[0].cpu.pc ?? 0) >>> 0, zEnd, o.symbolizer),
    strandedAtJump: stranded === '' ? "U-Boot's flush never ended" : stranded,
    strandedLines,
    lostData: lostData({ dataLost: dataLost(v), controlFlowCause: v.controlFlowCause, guestFailure: v.guestFailure }),
    staleReads: v.staleReads,
    firstDivergence: v.firstDivergence?.text ?? null,
    instructions: r.instructions,
    traps: r.machine.cost.traps,
    setWayOpsTrapped: r.machine.cost.setWayOpsTrapped,
    linesByAddress: r.machine.cost.linesByAddress,
    wallMs: performance.now() - t0,
    console: r.console,
  };
  return { row, divergence: v.firstDivergence };
}

/** U-Boot prints where the device tree it hands over lies: "Using Device Tree in place at X, end Y". */
function deviceTreeRange(console: string): [number, number] | null {
  const m = /Device Tree in place at ([0-9a-f]+), end ([0-9a-f]+)/.exec(console);
  return m === null ? null : [parseInt(m[1], 16), parseInt(m[2], 16) + 1];
}

/** Dirty lines of the guest on pCPUs other than `pcpu`'s own caches, by what they hold. */
function strandedSummary(caches: CacheSystem, vm: Vm, pcpu: number, fdt: [number, number] | null, zEnd: number): { text: string; lines: number } {
  const groups = new Map<string, { n: number; lo: number; hi: number }>();
  let lines = 0;
  for (const d of caches.dirtyLines()) {
    if (d.cpu < 0 || d.cpu === pcpu) continue;
    const ipa = d.pa - vm.ramPa + vm.ramIpa;
    const what = ipa >= KERNEL_ADDR && ipa < zEnd ? 'of the zImage' : fdt !== null && ipa >= fdt[0] && ipa < fdt[1] ? 'of the device tree' : "of U-Boot's own memory";
    const key = `${d.cache}|${what}`;
    const g = groups.get(key) ?? { n: 0, lo: Infinity, hi: 0 };
    g.n++;
    g.lo = Math.min(g.lo, ipa - (what === 'of the zImage' ? KERNEL_ADDR : 0));
    g.hi = Math.max(g.hi, ipa - (what === 'of the zImage' ? KERNEL_ADDR : 0) + caches.lineBytes);
    groups.set(key, g);
    lines++;
  }
  if (lines === 0) return { text: `after U-Boot's clean+invalidate by set/way no dirty line stayed on another pCPU (it runs on pCPU ${pcpu})`, lines: 0 };
  const parts = [...groups].map(([key, g]) => {
    const [cache, what] = key.split('|');
    const range = what === 'of the zImage' ? ` (offsets 0x${g.lo.toString(16)}-0x${g.hi.toString(16)})` : '';
    return `${cache} ${g.n} ${what}${range}`;
  });
  return { text: `after U-Boot's clean+invalidate by set/way (it runs on pCPU ${pcpu}, then with caches off) these stayed dirty elsewhere: ${parts.join(', ')}`, lines };
}

function describeEnd(end: string, pc: number, zEnd: number, symbolizer: KernelSymbolizer | undefined): string {
  const where = pc >= KERNEL_ADDR && pc < zEnd ? `in the zImage decompressor (+0x${(pc - KERNEL_ADDR).toString(16)})` : (symbolizer?.nameOf(pc) ?? `at 0x${pc.toString(16)}, in no image`);
  return `${end.split('\n')[0]}; PC ${where}`;
}

export class HeisenbugError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeisenbugError';
  }
}
