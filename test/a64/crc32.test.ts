/**
 * FEAT_CRC32 (Arm ARM C6.2 "CRC32B, CRC32H, CRC32W, CRC32X", "CRC32CB, CRC32CH, CRC32CW,
 * CRC32CX"): every sf/sz/C combination decoded against llvm-mc, known answers (CRC-32 and CRC-32C
 * of "123456789"), and random operands against qemu-aarch64 -cpu cortex-a53.
 */
import { describe, expect, it } from 'vitest';
import { A64Op, decodeA64, disassembleA64 } from '../../src/decode/a64';
import { A64Cpu } from '../../src/exec/a64';
import { codePageTableOf } from '../../src/exec/code-page';
import { FlatMemory } from '../../src/exec/flat-memory';
import { crc32 } from '../../src/linux/crc32';
import { PhysicalMemory } from '../../src/mmu/physical-memory';
import { PagedFlatMemory } from '../oracles/paged-flat-memory';
import { runInQemu, SCRATCH_SIZE, type ExecCase } from '../oracles/exec-harness';
import { assembleWords, disassemble } from '../oracles/llvm-mc';
import { Prng, testSeed } from '../oracles/prng';
import { LD_LLD, LLVM_MC, QEMU_AARCH64, oraclesAvailable } from '../oracles/tools';
import { load, LOAD_ADDRESS, StubEl2 } from './harness';

/** `sf 0 0 11010110 Rm 010 C sz Rn Rd` (C6.2 "CRC32B"). */
function crcWord(sf: number, c: number, sz: number, rm: number, rn: number, rd: number): number {
  return ((sf << 31) | (0b0011010110 << 21) | (rm << 16) | (0b010 << 13) | (c << 12) | (sz << 10) | (rn << 5) | rd) >>> 0;
}

const CHECK = new TextEncoder().encode('123456789');

/** Run one CRC instruction on our executor: Wd from (Wn, Xm). */
function step(word: number, acc: number, valueLo: number, valueHi = 0, accHi = 0): [number, number] {
  const m = load(new Uint32Array([word]));
  m.cpu.setX(1, acc, accHi);
  m.cpu.setX(2, valueLo, valueHi);
  m.cpu.step();
  return [m.cpu.xLo(0), m.cpu.xHi(0)];
}

/**
 * CRC32{C} of bytes, init ~0 and final inversion: one step per `1 << sz` bytes (little-endian
 * chunks) while whole chunks remain, then one byte step per byte left.
 */
function crcOf(bytes: Uint8Array, c: number, sz: number): number {
  let acc = 0xffffffff;
  let i = 0;
  while (i < bytes.length) {
    const size = i + (1 << sz) <= bytes.length ? sz : 0;
    let lo = 0;
    let hi = 0;
    for (let k = 0; k < 1 << size; k++) {
      if (k < 4) lo |= bytes[i + k] << (8 * k);
      else hi |= bytes[i + k] << (8 * (k - 4));
    }
    [acc] = step(crcWord(size === 3 ? 1 : 0, c, size, 2, 1, 0), acc, lo >>> 0, hi >>> 0);
    i += 1 << size;
  }
  return ~acc >>> 0;
}

describe('CRC32 decode', () => {
  it('allocates sf 0 with sz 00/01/10 and sf 1 with sz 11, for CRC32 and CRC32C, and nothing else', () => {
    const valid: string[] = [];
    for (const sf of [0, 1])
      for (const c of [0, 1])
        for (const sz of [0, 1, 2, 3]) {
          const d = decodeA64(crcWord(sf, c, sz, 4, 0, 0));
          if (d.kind === 'unallocated') continue;
          expect(d.op).toBe(c ? A64Op.CRC32C : A64Op.CRC32);
          expect(d.size).toBe(sz);
          valid.push(disassembleA64(d));
        }
    expect(valid).toEqual([
      'crc32b w0, w0, w4',
      'crc32h w0, w0, w4',
      'crc32w w0, w0, w4',
      'crc32cb w0, w0, w4',
      'crc32ch w0, w0, w4',
      'crc32cw w0, w0, w4',
      'crc32x w0, w0, x4',
      'crc32cx w0, w0, x4',
    ]);
    // U-Boot's word (qemu_arm64).
    expect(disassembleA64(decodeA64(0x1ac44000))).toBe('crc32b w0, w0, w4');
  });

  describe.skipIf(!oraclesAvailable('CRC32 decode vs llvm-mc', LLVM_MC))('vs llvm-mc', () => {
    it('agrees on validity and text for every sf/sz/C combination and register choice', () => {
      const rng = new Prng(0xc4c32);
      const words: number[] = [];
      for (const sf of [0, 1])
        for (const c of [0, 1])
          for (const sz of [0, 1, 2, 3])
            for (let k = 0; k < 24; k++) {
              // Register 31 (WZR/XZR) in each position now and then.
              const reg = (): number => (rng.chance(0.2) ? 31 : rng.below(32));
              words.push(crcWord(sf, c, sz, reg(), reg(), reg()));
            }
      const ref = disassemble(words, 'a64');
      const mismatches: string[] = [];
      for (let k = 0; k < words.length; k++) {
        const d = decodeA64(words[k]);
        const ours = d.kind === 'unallocated' ? '' : disassembleA64(d);
        const theirs = ref[k].valid ? ref[k].text : '';
        if (ours !== theirs) mismatches.push(`0x${words[k].toString(16)}: ours "${ours}" llvm-mc "${theirs}"`);
      }
      expect(mismatches).toEqual([]);
      expect(ref.filter((r) => r.valid).length).toBe(words.length / 2);
    });
  });
});

describe('CRC32 execution', () => {
  it('gives the CRC-32 and CRC-32C check values of "123456789" at every width', () => {
    for (const sz of [0, 1, 2, 3]) {
      expect(crcOf(CHECK, 0, sz), `CRC32 sz ${sz}`).toBe(0xcbf43926);
      expect(crcOf(CHECK, 1, sz), `CRC32C sz ${sz}`).toBe(0xe3069283);
    }
  });

  it('ignores the unused bits of Wn and Xm and zero-extends the result into Xd', () => {
    const [l, h] = step(crcWord(0, 0, 0, 2, 1, 0), 0xffffffff, 0xabcdef31, 0x12345678, 0xdeadbeef);
    expect([l, h]).toEqual(step(crcWord(0, 0, 0, 2, 1, 0), 0xffffffff, 0x31));
    expect(h).toBe(0);
    expect(step(crcWord(0, 1, 1, 2, 1, 0), 0x1234, 0xffff0102, 0x55)).toEqual(step(crcWord(0, 1, 1, 2, 1, 0), 0x1234, 0x0102));
  });

  it('matches reference CRCs over random data: CRC32 by bytes and by doublewords, CRC32C by words', () => {
    const rng = new Prng(0x5eed);
    for (const length of [0, 1, 7, 8, 13, 64, 300]) {
      const bytes = new Uint8Array(length);
      for (let i = 0; i < length; i++) bytes[i] = rng.below(256);
      expect(crcOf(bytes, 0, 0)).toBe(crc32(bytes));
      expect(crcOf(bytes, 0, 3)).toBe(crc32(bytes));
      expect(crcOf(bytes, 1, 2)).toBe(crc32cReference(bytes));
    }
  });

  describe.skipIf(!oraclesAvailable('CRC32 loop program', LLVM_MC))('in a hot loop', () => {
    it('computes the CRC-32C of a 4 KiB buffer with crc32cx and crc32cb, in compiled blocks', () => {
      const code = assembleWords(
        `
        mov x1, #0x20000      // buffer
        mov x2, #512          // doublewords
        mov w0, #-1
      1: ldr x4, [x1], #8
        crc32cx w0, w0, x4
        subs x2, x2, #1
        b.ne 1b
        mov x2, #7
      2: ldrb w4, [x1], #1
        crc32cb w0, w0, w4
        subs x2, x2, #1
        b.ne 2b
        mvn w0, w0
        hvc #0xdead
      `,
        'a64',
      );
      // Code pages, so the run loop compiles blocks (the block compiler calls the executor for CRC).
      const memory = new PagedFlatMemory(new PhysicalMemory([{ base: 0, size: 1 << 20 }]));
      memory.load(LOAD_ADDRESS, new Uint8Array(code.buffer));
      const rng = new Prng(0xc4c);
      const data = new Uint8Array(4096 + 7);
      for (let i = 0; i < data.length; i++) data[i] = rng.below(256);
      memory.load(0x20000, data);
      let cpuRef: A64Cpu | null = null;
      const cpu = new A64Cpu({ memory, el2: new StubEl2(() => cpuRef as A64Cpu) });
      cpuRef = cpu;
      cpu.pc = LOAD_ADDRESS;
      cpu.run(100_000);
      expect(cpu.stopReason).toBe('halted');
      const records = codePageTableOf(memory.physical).get(LOAD_ADDRESS / 4096)?.a64 as { blocks: unknown[] } | null | undefined;
      expect(records?.blocks.some((b) => b !== undefined)).toBe(true);
      expect(cpu.xLo(0)).toBe(crc32cReference(data));
      expect(cpu.xHi(0)).toBe(0);
    });
  });
});

/** Bitwise CRC-32C (reflected 0x1EDC6F41 = 0x82F63B78, init and final ~0): an independent check. */
function crc32cReference(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

const haveQemu = oraclesAvailable('CRC32 vs qemu-aarch64', LLVM_MC, LD_LLD, QEMU_AARCH64);

describe.skipIf(!haveQemu)('CRC32 vs qemu-aarch64 -cpu cortex-a53', () => {
  it('agrees on X0-X30 for random operands of every form', () => {
    const seed = testSeed();
    console.log(`crc32 seed ${seed} (replay with SETWAY_SEED=${seed})`);
    const rng = new Prng(seed);
    const forms: [number, number, number][] = [];
    for (const c of [0, 1]) for (const sz of [0, 1, 2, 3]) forms.push([sz === 3 ? 1 : 0, c, sz]);
    const cases: ExecCase[] = [];
    for (let n = 0; n < 400; n++) {
      const code = new Uint32Array(1 + rng.below(4));
      for (let k = 0; k < code.length; k++) {
        const [sf, c, sz] = forms[rng.below(forms.length)];
        code[k] = crcWord(sf, c, sz, rng.below(32), rng.below(32), rng.below(32));
      }
      const regs = new Uint32Array(64);
      for (let r = 0; r < 62; r++) regs[r] = rng.u32();
      regs[62] = 0x7fff0;
      cases.push({ code, initial: { regs, flags: 0, scratch: new Uint8Array(SCRATCH_SIZE) } });
    }
    const outcomes = runInQemu('a64', cases);
    const mismatches: string[] = [];
    outcomes.forEach((o, n) => {
      const c = cases[n];
      if (o.kind !== 'done') {
        mismatches.push(`case ${n}: qemu ${o.detail}`);
        return;
      }
      const memory = new FlatMemory();
      memory.load(o.codeAddress, new Uint8Array(c.code.buffer));
      const cpu = new A64Cpu({ memory });
      cpu.el = 0;
      for (let r = 0; r < 31; r++) cpu.setX(r, c.initial.regs[2 * r], c.initial.regs[2 * r + 1]);
      cpu.pc = o.codeAddress;
      for (let k = 0; k < c.code.length; k++) cpu.step();
      for (let r = 0; r < 31; r++) {
        const ours = [cpu.xLo(r), cpu.xHi(r)];
        const theirs = [o.final.regs[2 * r], o.final.regs[2 * r + 1]];
        if (ours[0] !== theirs[0] || ours[1] !== theirs[1]) {
          const text = Array.from(c.code, (w) => disassembleA64(decodeA64(w))).join('; ');
          mismatches.push(`case ${n} (${text}): X${r} ours ${ours.map((v) => v.toString(16))} qemu ${theirs.map((v) => v.toString(16))}`);
        }
      }
    });
    expect(mismatches.slice(0, 10)).toEqual([]);
  });
});
