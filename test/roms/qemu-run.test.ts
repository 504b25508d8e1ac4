/**
 * The guest ROMs under QEMU (an emulator nobody here wrote): the set/way routines run to their
 * end on a Cortex-A15 (AArch32) and a Cortex-A53 (AArch64) model, and every S/W operand they
 * issue is the one the Arm ARM formula gives for the CLIDR and CCSIDR values QEMU reports. The
 * boot-handoff programs turn the MMU on with their own tables and off again and report DONE.
 *
 * QEMU does not model caches, so data loss is not observable here; that is the simulator's job.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadElf, type LoadedImage } from '../../src/rom';
import { missing, scratch, tools } from '../rom/toolchain';

const BUILD = fileURLToPath(new URL('../../roms/build/', import.meta.url));

const MACHINES = {
  a32: { qemu: () => tools.qemuArm, cpu: 'cortex-a15', reg: 'R', pc: 'R15' },
  a64: { qemu: () => tools.qemuAarch64, cpu: 'cortex-a53', reg: 'X', pc: 'PC' },
} as const;

// Instruction words, checked against llvm-mc in test/roms/roms.test.ts's disassembly and the Arm
// ARM encodings: A32 MRC/MCR p15 (F5 "MCR", "MRC"), A64 MRS and SYS/DC (C6 "MRS", "DC").
const WORDS = {
  a32: {
    ccsidrRead: 0xee301f10, // mrc p15, 1, r1, c0, c0, 0
    clean: 0xee078f5e, // mcr p15, 0, r8, c7, c14, 2 (DCCISW)
    invalidate: 0xee078f56, // mcr p15, 0, r8, c7, c6, 2 (DCISW)
  },
  a64: {
    ccsidrRead: 0xd5390001, // mrs x1, ccsidr_el1
    clean: 0xd5087e48, // dc cisw, x8
    invalidate: 0xd5087648, // dc isw, x8
  },
} as const;

/** Address of the first instruction word `word` inside function `name`. */
function findWord(image: LoadedImage, name: string, word: number): number {
  const f = image.findSymbol(name);
  for (const seg of image.segments) {
    const v = new DataView(seg.bytes.buffer, seg.bytes.byteOffset, seg.bytes.byteLength);
    for (let a = f.address; a < f.address + f.size; a += 4) {
      const off = a - seg.address;
      if (off >= 0 && off + 4 <= seg.bytes.length && v.getUint32(off, true) === word) return a;
    }
  }
  throw new Error(`0x${word.toString(16)} not found in ${name}`);
}

/** Run QEMU until `done(log, stdout)` holds; `onStdout` may answer monitor output. Kills QEMU after. */
function runQemu(
  binary: string,
  args: readonly string[],
  logFile: string,
  done: (log: string) => boolean,
  monitor?: (stdout: string, send: (cmd: string) => void) => boolean,
): Promise<{ log: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const q = spawn(binary, [...args, '-D', logFile], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let finished = false;
    const send = (cmd: string): void => {
      q.stdin.write(`${cmd}\n`);
    };
    const finish = (error?: Error): void => {
      if (finished) return;
      finished = true;
      clearInterval(poll);
      clearTimeout(limit);
      q.kill('SIGKILL');
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      if (error) reject(error);
      else resolve({ log, stdout });
    };
    q.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    q.on('error', (e) => finish(e));
    q.on('exit', (code) => {
      if (!finished) finish(new Error(`QEMU exited early with ${code}`));
    });
    const poll = setInterval(() => {
      if (monitor !== undefined) {
        if (monitor(stdout, send)) finish();
        return;
      }
      if (existsSync(logFile) && done(readFileSync(logFile, 'utf8'))) finish();
    }, 250);
    // A safety limit for a guest that never ends, not a performance expectation.
    const limit = setTimeout(() => finish(new Error('guest did not finish within 100 s')), 100_000);
  });
}

interface Snapshot {
  pc: number;
  regs: Map<string, number>;
}

/** Parse `-d cpu` register dumps into one snapshot per logged instruction. */
function parseCpuLog(log: string, isa: 'a32' | 'a64'): Snapshot[] {
  const out: Snapshot[] = [];
  const first = isa === 'a64' ? 'PC' : 'R00';
  let regs: Map<string, number> | undefined;
  for (const m of log.matchAll(/\b(PC|[RX]\d\d)=([0-9a-f]+)/g)) {
    if (m[1] === first) {
      regs = new Map();
      out.push({ pc: -1, regs });
    }
    regs?.set(m[1], Number.parseInt(m[2].slice(-8), 16)); // low 32 bits: all the values read here
  }
  for (const s of out) s.pc = s.regs.get(MACHINES[isa].pc) ?? -1;
  return out;
}

/**
 * S/W operands for levels 1..limit, as the Arm ARM describes them (DC CISW / DCCISW "SetWay"
 * field): Way in bits[31:32-A], Set in bits[B-1:L], Level-1 in bits[3:1], with A = ceil(log2(ways))
 * and L = log2(line bytes). Order: ways from the top, sets from the top within each way.
 */
function specOperands(clidr: number, ccsidrOfLevel: Map<number, number>, limit: number): number[] {
  const out: number[] = [];
  for (let level = 1; level <= limit; level++) {
    const ctype = Math.floor(clidr / 2 ** (3 * (level - 1))) % 8;
    if (ctype < 2) continue; // no cache, or instructions only
    const ccsidr = ccsidrOfLevel.get(level);
    if (ccsidr === undefined) throw new Error(`CCSIDR of level ${level} was never read`);
    const L = (ccsidr % 8) + 4;
    const ways = (Math.floor(ccsidr / 8) % 1024) + 1;
    const sets = (Math.floor(ccsidr / 8192) % 32768) + 1;
    const A = Math.ceil(Math.log2(ways));
    for (let way = ways - 1; way >= 0; way--) {
      for (let set = sets - 1; set >= 0; set--) {
        out.push(((A === 0 ? 0 : way * 2 ** (32 - A)) + set * 2 ** L + (level - 1) * 2) >>> 0);
      }
    }
  }
  return out;
}

const work = scratch();
afterAll(() => work.done());

for (const isa of ['a32', 'a64'] as const) {
  const machine = MACHINES[isa];
  const skip = missing(isa === 'a32' ? 'qemuArm' : 'qemuAarch64');
  describe.skipIf(skip !== undefined)(`${isa} ROMs under QEMU ${machine.cpu}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    it('set-way-selftest: every S/W operand matches the Arm ARM formula for the reported cache geometry', async () => {
      const elf = join(BUILD, `${isa}-set-way-selftest.elf`);
      const image = loadElf(new Uint8Array(readFileSync(elf)));
      const w = WORDS[isa];
      const routines = [
        { name: 'invalidate_l1', op: w.invalidate, limit: (_clidr: number) => 1 },
        { name: 'flush_dcache_louis', op: w.clean, limit: (clidr: number) => (clidr >>> 21) & 7 },
        { name: 'flush_dcache_all', op: w.clean, limit: (clidr: number) => (clidr >>> 24) & 7 },
      ].map((r) => ({ ...r, opAt: findWord(image, r.name, r.op), afterCcsidr: findWord(image, r.name, w.ccsidrRead) + 4 }));
      const filter = routines.flatMap((r) => [`0x${r.opAt.toString(16)}+4`, `0x${r.afterCcsidr.toString(16)}+4`]).join(',');
      const { log } = await runQemu(
        machine.qemu()!,
        ['-M', 'virt', '-cpu', machine.cpu, '-display', 'none', '-serial', 'none', '-monitor', 'none', '-kernel', elf,
          '-singlestep', '-d', 'cpu,nochain,int', '-dfilter', filter],
        join(work.dir, `${isa}-selftest.log`),
        (text) => text.includes('[Hypervisor Call]'),
      );
      // The first exception is the final hvc: nothing faulted on the way.
      expect(/Taking exception \d+ \[([^\]]+)\]/.exec(log)?.[1]).toBe('Hypervisor Call');

      const snaps = parseCpuLog(log, isa);
      const r = (s: Snapshot, n: number): number => s.regs.get(`${machine.reg}${n.toString().padStart(2, '0')}`)!;
      let total = 0;
      for (const routine of routines) {
        const mine = snaps.filter((s) => s.pc === routine.opAt || s.pc === routine.afterCcsidr);
        const ccsidrOfLevel = new Map<number, number>();
        const observed: number[] = [];
        let clidr = -1;
        for (const s of mine) {
          clidr = r(s, 0); // the routines keep CLIDR in r0/x0 throughout
          if (s.pc === routine.afterCcsidr) ccsidrOfLevel.set(r(s, 9) / 2 + 1, r(s, 1));
          else observed.push(r(s, 8));
        }
        expect(clidr, `${routine.name}: CLIDR seen`).toBeGreaterThan(0);
        const expected = specOperands(clidr, ccsidrOfLevel, routine.limit(clidr));
        expect(observed.length, `${routine.name}: number of S/W operations`).toBe(expected.length);
        expect(observed, `${routine.name}: S/W operands`).toEqual(expected);
        total += observed.length;
      }
      // Cortex-A15/A53 models have a split L1 and a unified L2: thousands of operations.
      expect(total).toBeGreaterThan(1000);
    });

    it('boot-handoff: MMU on with its own tables, pattern, flush, MMU off, DONE with 0 mismatches', async () => {
      const elf = join(BUILD, `${isa}-boot-handoff.elf`);
      let asked = 0;
      const { log, stdout } = await runQemu(
        machine.qemu()!,
        ['-M', 'virt', '-cpu', machine.cpu, '-display', 'none', '-serial', 'none', '-monitor', 'stdio', '-kernel', elf, '-d', 'int'],
        join(work.dir, `${isa}-boot.log`),
        () => false,
        (out, send) => {
          // Ask for the result block until the done marker ("DONE" = 0x454e4f44) shows.
          if (/0000000040010040: 0x454e4f44/.test(out)) return true;
          const answers = (out.match(/0000000040010040:/g) ?? []).length;
          if (asked < 400 && answers >= asked) {
            send('xp /6wx 0x40010040');
            asked++;
          }
          return false;
        },
      );
      const result = /0000000040010040: (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+)/.exec(stdout.slice(stdout.lastIndexOf('0000000040010040:')));
      expect(result).not.toBeNull();
      expect(result![1]).toBe('0x454e4f44'); // DONE
      expect(Number(result![2])).toBe(0); // mismatches: QEMU has no caches to lose data in
      expect(result![3]).toBe('0xffffffff'); // no first mismatch
      // Before the final hvc nothing trapped or faulted: the tables and the MMU switch are sound.
      const exceptions = [...log.matchAll(/Taking exception \d+ \[([^\]]+)\]/g)].map((m) => m[1]);
      expect(exceptions[0]).toBe('Hypervisor Call');
    });
  });
}
