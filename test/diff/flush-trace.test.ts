/**
 * The privileged oracle: our set/way flush ROMs (roms/) run in QEMU system mode (virt board,
 * Cortex-A15 / Cortex-A53, one instruction per block, CPU state logged before each) and in our
 * executor with the system-register model whose CLIDR/CCSIDR/CTR come from the QEMU-equal cache
 * preset. The two register traces must agree instruction for instruction, from the ROM's first
 * instruction to its final HVC.
 *
 * QEMU's board puts its device tree at the start of RAM, where the ROMs are linked, so the flash
 * holds a boot stub that copies the ROM there and jumps to it; our executor starts from QEMU's
 * state at the ROM's first instruction.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CacheGeometry } from '../../src/cache/geometry';
import { cachePreset } from '../../src/cache/presets';
import { A32Cpu } from '../../src/exec/a32';
import { A64Cpu } from '../../src/exec/a64';
import { BareMetal } from '../../src/exec/el2-gate';
import { FlatMemory } from '../../src/exec/flat-memory';
import type { GuestMemory } from '../../src/exec/guest-memory';
import { SysReg } from '../../src/exec/sysregs/ids';
import { SystemRegisters } from '../../src/exec/sysregs/system-registers';
import type { SetWayOp, SystemPort } from '../../src/exec/system-port';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { parseElf } from '../oracles/elf';
import type { Isa } from '../oracles/llvm-mc';
import { bootImage, runSystemTrace, type TraceState } from '../oracles/qemu-system';
import { LD_LLD, LLVM_MC, QEMU_SYSTEM_AARCH64, QEMU_SYSTEM_ARM, oraclesAvailable } from '../oracles/tools';

const have = oraclesAvailable('flush ROM trace test', LLVM_MC, LD_LLD, QEMU_SYSTEM_ARM, QEMU_SYSTEM_AARCH64);

const LOAD_ADDRESS = 0x4000_0000; // roms/link.ld, roms/include/layout.inc CODE_BASE
const PRESET: Readonly<Record<Isa, string>> = { a32: 'qemu-cortex-a15', a64: 'qemu-cortex-a53' };
/**
 * SCTLR out of reset, IMPLEMENTATION DEFINED: the Cortex-A15 TRM gives 0x00C50078 (QEMU uses it),
 * the Cortex-A53 TRM 0x00C50838 for SCTLR_EL1. The boot-handoff ROM reads it before turning the
 * MMU on, so our register model starts from the same value.
 */
const RESET_SCTLR: Readonly<Record<Isa, number>> = { a32: 0x00c50078, a64: 0x00c50838 };

/** roms/include/layout.inc: the parameter block's offset in the image and its size field. */
const PARAM_BLOCK_OFFSET = 0x10000;
const PARAM_SIZE = 0x10;
const PARAM_FLAGS = 0x1c; // bit 0: invalidate_l1 before the caches go on

interface RomCase {
  readonly rom: string;
  readonly what: string;
  /** Adjust the image before it runs (both sides get the same bytes). */
  readonly patch?: (bin: Uint8Array) => void;
}

const ROM_CASES: readonly RomCase[] = [
  { rom: 'set-way-selftest', what: 'invalidate_l1, flush_dcache_louis, flush_dcache_all with MMU and caches off' },
  {
    rom: 'boot-handoff',
    what: 'MMU and caches on, fill a 4 KiB buffer, flush_dcache_all, MMU off, read back',
    // A 4 KiB buffer instead of the default 1 MiB keeps the trace near 300,000 instructions.
    patch: (bin) => new DataView(bin.buffer, bin.byteOffset).setUint32(PARAM_BLOCK_OFFSET + PARAM_SIZE, 0x1000, true),
  },
];

/** The port of a PE alone on the machine: cache ID from the preset, maintenance only counted. */
function presetPort(isa: Isa, setWayOps: SetWayOp[]): SystemPort {
  const g = new CacheGeometry(cachePreset(PRESET[isa]));
  return {
    cacheId: { clidr: () => g.clidr(0), ccsidr: (csselr) => g.ccsidr(0, csselr), ctr: () => g.ctr(0) },
    dataCacheSetWay: (op) => void setWayOps.push(op),
    dataCacheByVa: () => undefined,
    instructionCache: () => undefined,
    tlbInvalidate: () => undefined,
    translationControlChanged: () => undefined,
  };
}

let romDir: string | null = null;
/** The ROMs built fresh from roms/ into a temporary directory (roms/build.sh), once per run. */
function builtRoms(): string {
  if (romDir !== null) return romDir;
  const dir = mkdtempSync(join(tmpdir(), 'setway-roms-'));
  const r = spawnSync('bash', [fileURLToPath(new URL('../../roms/build.sh', import.meta.url)), dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`roms/build.sh failed (status ${r.status}): ${r.stderr}`);
  romDir = dir;
  return dir;
}
afterAll(() => {
  if (romDir !== null) rmSync(romDir, { recursive: true, force: true });
});

interface Stepper {
  step(): void;
  /** The state in QEMU's trace layout. */
  state(): TraceState;
}

function a32Stepper(memory: GuestMemory, system: SystemRegisters, start: TraceState): Stepper {
  const cpu = new A32Cpu({ memory, system, el2: new BareMetal() });
  cpu.exceptionPolicy = 'stop';
  cpu.cpsr = start.psr;
  for (let r = 0; r < 15; r++) cpu.r[r] = start.regs[r];
  cpu.pc = start.pc;
  return {
    step: () => cpu.stepHandlingAborts(),
    state: () => {
      const regs = cpu.r.slice(0, 16);
      regs[15] = cpu.pc;
      return { pc: cpu.pc, pcHi: 0, regs, psr: cpu.cpsr };
    },
  };
}

function a64Stepper(memory: GuestMemory, system: SystemRegisters, start: TraceState): Stepper {
  const cpu = new A64Cpu({ memory, system, el2: new BareMetal() });
  cpu.exceptionPolicy = 'stop';
  cpu.pstate = start.psr;
  for (let r = 0; r < 31; r++) cpu.setX(r, start.regs[2 * r], start.regs[2 * r + 1]);
  cpu.setSpEl1(start.regs[62], start.regs[63]);
  cpu.pc = start.pc;
  return {
    step: () => cpu.step(),
    state: () => {
      const regs = new Uint32Array(64);
      for (let r = 0; r < 31; r++) {
        regs[2 * r] = cpu.xLo(r);
        regs[2 * r + 1] = cpu.xHi(r);
      }
      regs[62] = cpu.spLo;
      regs[63] = cpu.spHi;
      return { pc: cpu.pc >>> 0, pcHi: Math.floor(cpu.pc / 2 ** 32), regs, psr: cpu.pstate };
    },
  };
}

/** Compared PSR bits: A32 NZCVQ, GE, E, A, I, F, T, M (CPSR, Arm ARM G8); A64 NZCV, DAIF, EL, SP (SPSR format, C5.2.18). */
const PSR_MASK: Readonly<Record<Isa, number>> = { a32: 0xf80f03ff, a64: 0xf00003cd };

function firstDifference(isa: Isa, ours: TraceState, qemu: TraceState): string | null {
  if (ours.pc !== qemu.pc || ours.pcHi !== qemu.pcHi) return `pc ours 0x${ours.pc.toString(16)} qemu 0x${qemu.pc.toString(16)}`;
  const n = isa === 'a32' ? 15 : 64;
  for (let i = 0; i < n; i++) {
    if (ours.regs[i] !== qemu.regs[i]) {
      const name = isa === 'a32' ? `r${i}` : i >= 62 ? `sp.${i & 1 ? 'hi' : 'lo'}` : `x${i >> 1}.${i & 1 ? 'hi' : 'lo'}`;
      return `${name} ours 0x${ours.regs[i].toString(16)} qemu 0x${qemu.regs[i].toString(16)}`;
    }
  }
  const m = PSR_MASK[isa];
  if (((ours.psr ^ qemu.psr) & m) !== 0) return `psr ours 0x${(ours.psr >>> 0).toString(16)} qemu 0x${(qemu.psr >>> 0).toString(16)}`;
  return null;
}

describe.skipIf(!have)('flush ROMs: our executor vs QEMU system mode, instruction by instruction', () => {
  for (const isa of ['a32', 'a64'] as const) {
    for (const rc of ROM_CASES) {
      it(`${isa}-${rc.rom} on ${PRESET[isa]}: ${rc.what}`, async () => {
        const dir = builtRoms();
        const bin = new Uint8Array(readFileSync(join(dir, `${isa}-${rc.rom}.bin`)));
        rc.patch?.(bin);
        const elf = parseElf(new Uint8Array(readFileSync(join(dir, `${isa}-${rc.rom}.elf`))));
        const hvcAddress = elf.symbol('halt').value - 4; // `hvc #0` right before `halt: b halt`
        const trace = await runSystemTrace({
          isa,
          image: bootImage(isa, bin, LOAD_ADDRESS),
          maxInstructions: 2_000_000,
          timeoutMs: 120_000,
          stopAt: (st) => st.pc === hvcAddress && st.pcHi === 0,
        });
        expect(trace.ended).toBe('stop-at');
        const first = trace.states.findIndex((st) => st.pc === LOAD_ADDRESS && st.pcHi === 0);
        expect(first).toBeGreaterThanOrEqual(0);
        const qemu = trace.states.slice(first);

        // Identity-mapped RAM: with the MMU on the ROMs map VA = PA, so flat memory sees what they see.
        const memory = new FlatMemory(new PhysicalMemory([{ base: LOAD_ADDRESS, size: 0x0100_0000 }]));
        memory.load(LOAD_ADDRESS, bin);
        const ops: SetWayOp[] = [];
        const system = new SystemRegisters({ port: presetPort(isa, ops), el2: new BareMetal(), aarch64: isa === 'a64' });
        system.set(SysReg.SCTLR, RESET_SCTLR[isa]);
        const ours = (isa === 'a32' ? a32Stepper : a64Stepper)(memory, system, qemu[0]);
        let diff: string | null = null;
        let k = 1;
        for (; k < qemu.length; k++) {
          ours.step();
          diff = firstDifference(isa, ours.state(), qemu[k]);
          if (diff !== null) break;
        }
        console.log(
          `${isa}-${rc.rom}: ${qemu.length} QEMU states, ${k} compared, ${ops.length} set/way operations on our side` +
            (diff ? `; first difference after instruction ${k} (PC 0x${qemu[k - 1].pc.toString(16)}): ${diff}` : ''),
        );
        expect(diff).toBeNull();
        // The routines reached every data/unified set and way of the preset.
        const g = new CacheGeometry(cachePreset(PRESET[isa]));
        const l1 = g.dataLevels[0].sets * g.dataLevels[0].ways;
        const l2 = g.dataLevels[1].sets * g.dataLevels[1].ways;
        // selftest: invalidate_l1 (L1), flush_dcache_louis (L1: LoUIS 1), flush_dcache_all (L1, L2: LoC 2);
        // boot-handoff: flush_dcache_all, after invalidate_l1 when PARAM_FLAGS bit 0 is set.
        const invalidateFirst = (): boolean => (new DataView(bin.buffer, bin.byteOffset).getUint32(PARAM_BLOCK_OFFSET + PARAM_FLAGS, true) & 1) === 1;
        expect(ops.length).toBe(rc.rom === 'set-way-selftest' ? 3 * l1 + l2 : (invalidateFirst() ? 2 : 1) * l1 + l2);
        // The ROM's verdict in r0/x0 at its final HVC: no mismatched words (QEMU models no caches, nor does flat memory).
        expect(qemu[qemu.length - 1].regs[0]).toBe(0);
      });
    }
  }
});
