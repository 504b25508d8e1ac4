/**
 * QEMU system mode as a privileged oracle: run a raw image as the `-bios` of the `virt` board
 * (flash at address 0, execution starts there at PL1/EL1 with the MMU and caches off), one guest
 * instruction per translation block with exec and CPU logging, and parse the log into one
 * register state per instruction.
 *
 * QEMU prints the CPU state as it enters each block, i.e. before the block's instruction runs, so
 * entry k is the state before instruction k and its PC is that instruction's address.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemble, type Isa } from './llvm-mc';
import { OracleError, QEMU_SYSTEM_AARCH64, QEMU_SYSTEM_ARM, tool } from './tools';

export interface TraceState {
  /** Address of the instruction about to run (low 32 bits; A64 high half in `pcHi`). */
  readonly pc: number;
  readonly pcHi: number;
  /**
   * A32: 16 words R0..R15 (R15 = pc). A64: 64 words, X0..X30 then SP, each as (low, high).
   */
  readonly regs: Uint32Array;
  /** A32 CPSR; A64 PSTATE as QEMU prints it (NZCV [31:28], DAIF [9:6], EL/SP [3:0]). */
  readonly psr: number;
}

export interface SystemRunOptions {
  readonly isa: Isa;
  /** Raw image, loaded as the flash at address 0. */
  readonly image: Uint8Array;
  readonly machine?: string;
  /** Default cortex-a15 (A32) / cortex-a53 (A64), the cores of the QEMU-equal cache presets. */
  readonly cpu?: string;
  /** Stop after this many instructions (default 200,000). */
  readonly maxInstructions?: number;
  /** Stop after this long even if the program has not settled (default 20 s). */
  readonly timeoutMs?: number;
  /** Stop when this returns true for a state (that state is the last one returned). */
  readonly stopAt?: (s: TraceState) => boolean;
  /** Further QEMU arguments (e.g. `-m 256M`). */
  readonly extraArgs?: readonly string[];
}

export interface SystemTrace {
  readonly states: TraceState[];
  /** Why the run ended: the image reached a branch-to-self, stopAt matched, the bound, the timeout, or QEMU exited. */
  readonly ended: 'self-loop' | 'stop-at' | 'max-instructions' | 'timeout' | 'exited';
}

/** Where the boot stub finds the ROM in flash. */
export const FLASH_ROM_OFFSET = 0x1000;

/**
 * A flash image for `-bios`: a stub at 0 that copies `rom` (placed in flash at FLASH_ROM_OFFSET)
 * to `loadAddress` in RAM and jumps there with r0-r3 / x0-x3 zero. (QEMU's virt board puts its
 * device tree at the start of RAM, so a ROM linked there cannot be loaded there directly.) The
 * trace of the ROM itself starts at the first state whose PC is `loadAddress`.
 */
export function bootImage(isa: Isa, rom: Uint8Array, loadAddress: number): Uint8Array {
  const bytes = (rom.length + 7) & ~7;
  const stub =
    isa === 'a32'
      ? `ldr r0, =${FLASH_ROM_OFFSET}\nldr r1, =${loadAddress}\nldr r2, =${bytes}\n1: ldr r3, [r0], #4\nstr r3, [r1], #4\nsubs r2, r2, #4\nbgt 1b\nmov r0, #0\nmov r1, #0\nmov r3, #0\ndsb\nisb\nldr pc, =${loadAddress}\n.ltorg\n`
      : `ldr x0, =${FLASH_ROM_OFFSET}\nldr x1, =${loadAddress}\nldr x2, =${bytes}\n1: ldr x3, [x0], #8\nstr x3, [x1], #8\nsubs x2, x2, #8\nb.gt 1b\nldr x3, =${loadAddress}\nmov x0, #0\nmov x1, #0\ndsb sy\nisb\nbr x3\n.ltorg\n`;
  const code = assemble(stub, isa);
  if (code.length > FLASH_ROM_OFFSET) throw new OracleError('qemu-system', `boot stub of ${code.length} bytes overlaps the ROM`);
  const image = new Uint8Array(FLASH_ROM_OFFSET + bytes);
  image.set(code, 0);
  image.set(rom, FLASH_ROM_OFFSET);
  return image;
}

/** QEMU 8.1 replaced `-singlestep` by `-accel tcg,one-insn-per-tb=on`. */
function oneInsnPerTbArgs(qemu: string): string[] {
  const v = spawnSync(qemu, ['--version'], { encoding: 'utf8' }).stdout ?? '';
  const m = /version (\d+)\.(\d+)/.exec(v);
  const major = m ? Number(m[1]) : 0;
  const minor = m ? Number(m[2]) : 0;
  return major > 8 || (major === 8 && minor >= 1) ? ['-accel', 'tcg,one-insn-per-tb=on'] : ['-singlestep'];
}

const A32_REG = /R(\d\d)=([0-9a-f]{8})/g;
const A64_REG = /\b(X\d\d|SP|PC)=([0-9a-f]{16})/g;

/** Parse complete records from log text. Returns states and how many characters were consumed. */
export function parseCpuLog(isa: Isa, text: string): { states: TraceState[]; consumed: number } {
  const states: TraceState[] = [];
  const endTag = isa === 'a32' ? /^PSR=([0-9a-f]{8})/ : /^PSTATE=([0-9a-f]{8})/;
  let consumed = 0;
  let regs = new Uint32Array(isa === 'a32' ? 16 : 64);
  let seen = 0;
  let pcLo = 0;
  let pcHi = 0;
  let pos = 0;
  while (true) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) break;
    const line = text.slice(pos, nl);
    pos = nl + 1;
    if (line.startsWith('Trace ')) {
      regs = new Uint32Array(isa === 'a32' ? 16 : 64);
      seen = 0;
      continue;
    }
    const end = endTag.exec(line);
    if (end) {
      const want = isa === 'a32' ? 16 : 33;
      if (seen !== want) throw new OracleError('qemu-system', `CPU state before offset ${pos} has ${seen} of ${want} registers`);
      const pc = isa === 'a32' ? regs[15] : pcLo;
      states.push({ pc, pcHi: isa === 'a32' ? 0 : pcHi, regs, psr: Number.parseInt(end[1], 16) >>> 0 });
      consumed = pos;
      continue;
    }
    if (isa === 'a32') {
      for (const m of line.matchAll(A32_REG)) {
        const r = Number(m[1]);
        if (r > 15) throw new OracleError('qemu-system', `register R${m[1]} in "${line}"`);
        regs[r] = Number.parseInt(m[2], 16) >>> 0;
        seen++;
      }
    } else {
      for (const m of line.matchAll(A64_REG)) {
        const hi = Number.parseInt(m[2].slice(0, 8), 16) >>> 0;
        const lo = Number.parseInt(m[2].slice(8), 16) >>> 0;
        if (m[1] === 'PC') {
          pcLo = lo;
          pcHi = hi;
        } else {
          const r = m[1] === 'SP' ? 31 : Number(m[1].slice(1));
          regs[2 * r] = lo;
          regs[2 * r + 1] = hi;
        }
        seen++;
      }
    }
  }
  return { states, consumed };
}

function sameState(a: TraceState, b: TraceState): boolean {
  if (a.pc !== b.pc || a.pcHi !== b.pcHi || a.psr !== b.psr) return false;
  for (let i = 0; i < a.regs.length; i++) if (a.regs[i] !== b.regs[i]) return false;
  return true;
}

/**
 * Run `image` in QEMU system mode and return the per-instruction trace. The run stops at the
 * first instruction that branches to itself with nothing changing (the usual end of a test
 * image), at `stopAt`, at `maxInstructions` or at the timeout; QEMU is then killed.
 */
export async function runSystemTrace(options: SystemRunOptions): Promise<SystemTrace> {
  const { isa } = options;
  const qemu = tool(isa === 'a32' ? QEMU_SYSTEM_ARM : QEMU_SYSTEM_AARCH64);
  const max = options.maxInstructions ?? 200_000;
  const timeoutMs = options.timeoutMs ?? 20_000;
  const dir = mkdtempSync(join(tmpdir(), 'setway-qsys-'));
  const image = join(dir, 'image.bin');
  const log = join(dir, 'cpu.log');
  writeFileSync(image, options.image);
  const args = [
    '-M', options.machine ?? 'virt',
    '-cpu', options.cpu ?? (isa === 'a32' ? 'cortex-a15' : 'cortex-a53'),
    '-bios', image,
    '-display', 'none', '-monitor', 'none', '-serial', 'none', '-parallel', 'none', '-nodefaults',
    ...oneInsnPerTbArgs(qemu),
    '-d', 'exec,cpu,nochain',
    '-D', log,
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(qemu, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  child.on('exit', () => (exited = true));
  const states: TraceState[] = [];
  let pending = '';
  let offset = 0;
  let fd = -1;
  const buf = Buffer.alloc(1 << 20);
  const started = performance.now();
  let ended: SystemTrace['ended'] | null = null;
  try {
    while (ended === null) {
      await new Promise((r) => setTimeout(r, 20));
      const wasExited = exited;
      if (fd < 0 && existsSync(log)) fd = openSync(log, 'r');
      if (fd >= 0) {
        while (ended === null) {
          const n = readSync(fd, buf, 0, buf.length, offset);
          if (n <= 0) break;
          offset += n;
          pending += buf.toString('latin1', 0, n);
          const { states: got, consumed } = parseCpuLog(isa, pending);
          pending = pending.slice(consumed);
          for (const s of got) {
            states.push(s);
            if (options.stopAt?.(s)) ended = 'stop-at';
            else if (states.length >= 3 && sameState(s, states[states.length - 2]) && sameState(s, states[states.length - 3])) {
              states.length -= 2; // keep one copy of the settled state
              ended = 'self-loop';
            } else if (states.length >= max) ended = 'max-instructions';
            if (ended !== null) break;
          }
        }
      }
      if (ended === null && wasExited) ended = 'exited';
      if (ended === null && performance.now() - started > timeoutMs) ended = 'timeout';
    }
  } finally {
    if (!exited) child.kill('SIGKILL');
    await new Promise<void>((r) => (exited ? r() : child.once('exit', () => r())));
    if (fd >= 0) closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  if (states.length === 0) throw new OracleError('qemu-system', `no trace produced (${ended}); stderr: ${stderr.trim().slice(0, 500)}`);
  return { states, ended };
}
