/**
 * Debian's gdb-multiarch in batch mode against `setway run ROM --gdb`, on our A32 and A64
 * boot-handoff ROMs: break on the first clean+invalidate by set/way of the flush loop, read the
 * buffer (the pattern the ROM wrote, still dirty in pCPU 0's L1 only), ask `monitor cache`, step,
 * read registers (the S/W operand the Arm ARM's formula gives for the preset's L1), stop on a
 * hardware breakpoint at the flush routine's return, and continue to the end: GDB hears the
 * program exit, and the run prints the same result as without a debugger.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { oraclesAvailable, tool } from '../oracles/tools';
import { HANDOFF } from '../../src/scenarios/rom-images';
import { firstCleanBySetWay, ROOT, setwaySync, setwayWithGdb, withoutWallTime, type Finished } from './helpers';
import { cachePreset } from '../../src/cache/presets';
import { defaultPreset } from '../../src/scenarios/default-preset';

const GDB_MULTIARCH = ['gdb-multiarch'];
const haveGdb = oraclesAvailable('GDB remote stub sessions with gdb-multiarch', GDB_MULTIARCH);

function gdbBatch(commands: readonly string[]): Promise<Finished> {
  const args = ['-nx', '-batch', ...commands.flatMap((c) => ['-ex', c])];
  const child = spawn(tool(GDB_MULTIARCH), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** The pattern word the ROM writes at `a` (roms/README.md: a XOR seed). */
const pattern = (a: number) => ((a ^ HANDOFF.seed) >>> 0).toString(16);
const hex = (n: number) => `0x${n.toString(16)}`;

interface Case {
  readonly rom: string;
  readonly architecture: string;
  /** L1 data cache of the ROM's default preset (src/scenarios/default-preset.ts). */
  readonly l1: { readonly ways: number; readonly sets: number; readonly lineBytes: number };
  readonly register: (n: number) => string;
  readonly examine: string;
}

function l1Of(isa: 'a32' | 'a64'): Case['l1'] {
  return cachePreset(defaultPreset(isa)).levels.find((l) => l.level === 1 && l.kind === 'data')!;
}

const CASES: readonly Case[] = [
  { rom: 'a32-boot-handoff.elf', architecture: 'arm', l1: l1Of('a32'), register: (n) => `r${n}`, examine: 'x/4wx' },
  { rom: 'a64-boot-handoff.elf', architecture: 'aarch64', l1: l1Of('a64'), register: (n) => `x${n}`, examine: 'x/4wx' },
];

describe('gdb-multiarch drives setway run --gdb', () => {
  for (const c of CASES) {
    it.skipIf(!haveGdb)(`${c.rom}: break on the S/W loop, read, step, continue to the end`, async () => {
      const { address: bp, rt } = firstCleanBySetWay(c.rom);
      const lastWords = HANDOFF.buffer + HANDOFF.bufferBytes - 16;
      const lastLine = HANDOFF.buffer + HANDOFF.bufferBytes - c.l1.lineBytes;
      const reference = setwaySync(['run', `roms/build/${c.rom}`]);
      expect(reference.code).toBe(0);

      const setway = setwayWithGdb(['run', `roms/build/${c.rom}`]);
      const port = await setway.port;
      expect(port).toBeGreaterThan(0);
      const gdb = await gdbBatch([
        `set architecture ${c.architecture}`,
        `target remote :${port}`,
        'info threads',
        `break *${hex(bp)}`,
        'continue',
        `${c.examine} ${hex(lastWords)}`,
        `monitor cache ${hex(lastLine)}`,
        'stepi',
        'info registers',
        `hbreak *$${c.architecture === 'arm' ? 'lr' : 'x30'}`,
        'delete 1',
        'continue',
        'delete',
        'continue',
      ]);
      const run = await setway.done;
      // GDB prints the target's console output (the monitor command's) on stderr.
      const out = gdb.stdout + gdb.stderr;

      expect(out).toMatch(/Thread 1 \(vCPU 0 on pCPU 0, 0 instructions retired\)/);
      expect(out).toMatch(new RegExp(`Breakpoint 1, 0x0*${bp.toString(16)} in`));
      // The buffer's last words hold the pattern, which only pCPU 0's L1 has (dirty): memory still reads zeros.
      const words = [0, 4, 8, 12].map((o) => `0x${pattern(lastWords + o)}`).join('\\s+');
      expect(out).toMatch(new RegExp(`0x${lastWords.toString(16)}:\\s+${words}`));
      expect(out).toMatch(/cpu0\.L1D\s+valid dirty\s+([0-9a-f]{8} ){15}[0-9a-f]{8}\n/);
      expect(out).toMatch(/cpu1\.L1D\s+invalid/);
      expect(out).toMatch(/memory\s+(00000000 ){15}00000000\n/);
      // First operand of the flush (top way, top set, level 1): way << (32 - log2 ways) | set << log2 line bytes.
      const operand = ((c.l1.ways - 1) * 2 ** (32 - Math.log2(c.l1.ways)) + (c.l1.sets - 1) * c.l1.lineBytes) >>> 0;
      expect(out).toMatch(new RegExp(`\\n${c.register(rt)}\\s+0x${operand.toString(16)}\\s`));
      expect(out).toMatch(new RegExp(`\\npc\\s+0x0*${(bp + 4).toString(16)}\\s`));
      expect(out).toMatch(/Breakpoint 2, 0x[0-9a-f]+ in/);
      expect(out).toContain('[Inferior 1 (Remote target) exited normally]');
      expect(gdb.code).toBe(0);

      expect(run.code).toBe(0);
      expect(withoutWallTime(run.stdout)).toBe(withoutWallTime(reference.stdout));
    });
  }

  // Under xen the guest's first accesses take stage-2 faults (Xen's lazy re-validation): steps
  // that retire nothing must not make the machine think the vCPU idle.
  it.skipIf(!haveGdb).each([['kvm'], ['xen']])('setway boot --vcpus 2 --policy %s on our virt guest: a thread per vCPU, a breakpoint in its S/W flush, the boot unchanged', async (policy) => {
    const guest = 'roms/build/a64-virt-guest.bin';
    const image = readFileSync(`${ROOT}${guest}`);
    let offset = -1;
    for (let i = 0; i + 4 <= image.length && offset < 0; i += 4) if ((image.readUInt32LE(i) & 0xffffffe0) >>> 0 === 0xd5087e40) offset = i;
    const args = ['boot', '--kernel', guest, '--vcpus', '2', '--policy', policy];
    const reference = setwaySync(args);
    expect(reference.code).toBe(0);

    const setway = setwayWithGdb(args);
    const port = await setway.port;
    // The guest's first instruction is its image's first word: the breakpoint is relative to the PC at the first stop.
    const gdb = await gdbBatch(['set architecture aarch64', `target remote :${port}`, 'info threads', `break *($pc + ${hex(offset)})`, 'continue', 'info threads', 'delete', 'continue']);
    const run = await setway.done;
    const out = gdb.stdout + gdb.stderr;
    expect(out).toMatch(/\* 1 +Thread 1 \(vCPU 0 on pCPU 0, 0 instructions retired\)/);
    expect(out).toMatch(/ 2 +Thread 2 \(vCPU 1 on pCPU 1, 0 instructions retired\)/);
    const hit = /Thread 1 hit Breakpoint 1, 0x([0-9a-f]+) in/.exec(out);
    const entry = /\n0x([0-9a-f]+) in \?\? \(\)/.exec(out);
    expect(hit).not.toBeNull();
    expect(entry).not.toBeNull();
    expect(parseInt(hit![1], 16)).toBe(parseInt(entry![1], 16) + offset);
    // vCPU 1 was started (PSCI CPU_ON) and parked before vCPU 0 flushes.
    expect(out).toMatch(/ 2 +Thread 2 \(vCPU 1 on pCPU 1, [1-9]\d* instructions retired\)/);
    expect(out).toContain('[Inferior 1 (Remote target) exited normally]');
    expect(run.code).toBe(0);
    expect(withoutWallTime(run.stdout)).toBe(withoutWallTime(reference.stdout));
  });
});
