/**
 * The QEMU presets must report what QEMU's `virt` machine reports for the same CPU.
 *
 * How the recorded values were obtained: a bare-metal program (the assembly below) that reads
 * CLIDR, CTR, then CCSIDR for CSSELR = 0..5 (and DCZID_EL0 on AArch64) and prints each as hex on
 * the virt PL011 UART, assembled with llvm-mc 14, linked with ld.lld-14 at 0, run as
 * `qemu-system-arm -M virt -cpu cortex-a7|cortex-a15 -bios prog.bin -display none -serial stdio
 * -monitor none -nodefaults` (qemu-system-aarch64 for cortex-a53), QEMU 7.2.22 (Debian 7.2+dfsg-7).
 * The same numbers were seen in a `-d exec,cpu,nochain` register dump. When the tools are
 * installed the second block re-runs QEMU and compares live.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CacheSystem } from '../../src/cache/cache-system';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { LD_LLD, LLVM_MC, LLVM_OBJCOPY, QEMU_SYSTEM_AARCH64, QEMU_SYSTEM_ARM, oraclesAvailable, tool } from '../oracles/tools';

interface QemuIds {
  clidr: number;
  ctr: number;
  /** CCSIDR for CSSELR 0..5 (L1D, L1I, L2, L2 "I", L3, L3 "I"); QEMU reads 0 for no cache. */
  ccsidr: number[];
  dczid?: number;
}

const RECORDED: Record<'qemu-cortex-a7' | 'qemu-cortex-a15' | 'qemu-cortex-a53', QemuIds> = {
  'qemu-cortex-a7': { clidr: 0x0a200023, ctr: 0x84448003, ccsidr: [0x701fe00a, 0x201fe00a, 0x711fe07a, 0, 0, 0] },
  'qemu-cortex-a15': { clidr: 0x0a200023, ctr: 0x8444c004, ccsidr: [0x701fe00a, 0x201fe00a, 0x711fe07a, 0, 0, 0] },
  'qemu-cortex-a53': { clidr: 0x0a200023, ctr: 0x84448004, ccsidr: [0x700fe01a, 0x201fe00a, 0x707fe07a, 0, 0, 0], dczid: 4 },
};

function modelIds(preset: keyof typeof RECORDED): QemuIds {
  const cs = new CacheSystem(preset, new PhysicalMemory([{ base: 0, size: 0x10000 }]));
  const ids: QemuIds = { clidr: cs.clidr(0), ctr: cs.ctr(0), ccsidr: [0, 1, 2, 3, 4, 5].map((s) => cs.ccsidr(0, s)) };
  if (preset === 'qemu-cortex-a53') ids.dczid = cs.dczid(0);
  return ids;
}

describe('QEMU presets equal the recorded QEMU values', () => {
  for (const preset of Object.keys(RECORDED) as (keyof typeof RECORDED)[]) {
    it(preset, () => {
      expect(modelIds(preset)).toEqual(RECORDED[preset]);
      // Every CPU of the preset reports the same values.
      const cs = new CacheSystem(preset, new PhysicalMemory([{ base: 0, size: 0x10000 }]));
      for (let cpu = 0; cpu < cs.cpus; cpu++) expect(cs.clidr(cpu)).toBe(RECORDED[preset].clidr);
    });
  }
});

// ---- live comparison against QEMU ----

const A32_PROGRAM = `
.text
.arm
.globl _start
_start:
  movw r10, #0
  movt r10, #0x0900          @ virt PL011 data register
  mrc p15, 1, r0, c0, c0, 1  @ CLIDR
  bl puthex
  mrc p15, 0, r0, c0, c0, 1  @ CTR
  bl puthex
  mov r9, #0
1:
  mcr p15, 2, r9, c0, c0, 0  @ CSSELR
  isb
  mrc p15, 1, r0, c0, c0, 0  @ CCSIDR
  bl puthex
  add r9, r9, #1
  cmp r9, #6
  blt 1b
  mov r3, #'E'
  str r3, [r10]
  mov r3, #10
  str r3, [r10]
2: b 2b
puthex:
  mov r2, #28
3:
  lsr r3, r0, r2
  and r3, r3, #15
  cmp r3, #10
  addlt r3, r3, #48
  addge r3, r3, #87
  str r3, [r10]
  subs r2, r2, #4
  bge 3b
  mov r3, #10
  str r3, [r10]
  bx lr
`;

const A64_PROGRAM = `
.text
.globl _start
_start:
  movz x10, #0x0900, lsl #16
  mrs x0, clidr_el1
  bl puthex
  mrs x0, ctr_el0
  bl puthex
  mov x9, #0
1:
  msr csselr_el1, x9
  isb
  mrs x0, ccsidr_el1
  bl puthex
  add x9, x9, #1
  cmp x9, #6
  b.lt 1b
  mrs x0, dczid_el0
  bl puthex
  mov w3, #'E'
  str w3, [x10]
  mov w3, #10
  str w3, [x10]
2: b 2b
puthex:
  mov x2, #28
3:
  lsr x3, x0, x2
  and x3, x3, #15
  cmp x3, #10
  add x4, x3, #48
  add x5, x3, #87
  csel x3, x4, x5, lt
  str w3, [x10]
  subs x2, x2, #4
  b.ge 3b
  mov w3, #10
  str w3, [x10]
  ret
`;

const toolsPresent = oraclesAvailable('QEMU live ID registers', LLVM_MC, LD_LLD, LLVM_OBJCOPY, QEMU_SYSTEM_ARM, QEMU_SYSTEM_AARCH64);

function build(dir: string, source: string, triple: string): string {
  const s = join(dir, 'prog.s');
  writeFileSync(s, source);
  const run = (cmd: string, args: string[]): void => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  };
  run(tool(LLVM_MC), [`-triple=${triple}`, '-filetype=obj', s, '-o', join(dir, 'prog.o')]);
  run(tool(LD_LLD), ['-Ttext=0', join(dir, 'prog.o'), '-o', join(dir, 'prog.elf')]);
  run(tool(LLVM_OBJCOPY), ['-O', 'binary', join(dir, 'prog.elf'), join(dir, 'prog.bin')]);
  return join(dir, 'prog.bin');
}

/** Run the program in QEMU until it prints the end marker; our child is killed by its handle. */
function runQemu(qemu: string, cpu: string, bios: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(qemu, ['-M', 'virt', '-cpu', cpu, '-bios', bios, '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-nodefaults']);
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`QEMU ${cpu} printed no end marker in 20 s: ${JSON.stringify(out)}`));
    }, 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('latin1');
      if (out.includes('E\n')) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve(
          out
            .split('\n')
            .filter((l) => /^[0-9a-f]{8}$/.test(l))
            .map((l) => parseInt(l, 16)),
        );
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!out.includes('E\n')) reject(new Error(`QEMU ${cpu} exited (${String(code)}) before the end marker: ${JSON.stringify(out)}`));
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

describe.skipIf(!toolsPresent)('QEMU live: the presets equal what QEMU reports now', () => {
  const cases: [keyof typeof RECORDED, string, string, string][] = [
    ['qemu-cortex-a7', 'qemu-system-arm', 'cortex-a7', 'armv7a'],
    ['qemu-cortex-a15', 'qemu-system-arm', 'cortex-a15', 'armv7a'],
    ['qemu-cortex-a53', 'qemu-system-aarch64', 'cortex-a53', 'aarch64'],
  ];
  for (const [preset, qemu, cpu, triple] of cases) {
    it(`${preset} (${qemu} -cpu ${cpu})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'setway-qemu-ids-'));
      try {
        const bios = build(dir, triple === 'aarch64' ? A64_PROGRAM : A32_PROGRAM, triple);
        const v = await runQemu(qemu, cpu, bios);
        const live: QemuIds = { clidr: v[0], ctr: v[1], ccsidr: v.slice(2, 8) };
        if (triple === 'aarch64') live.dczid = v[8];
        expect(modelIds(preset)).toEqual(live);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
