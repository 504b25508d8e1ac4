import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CFI_CMD, CfiFlashError, CfiPflash } from '../../src/devices/cfi-pflash';
import { type AccessSize, MmioBus, MmioError, type UnmappedAccess } from '../../src/devices/mmio-device';
import { VIRT_FLASH_BANKS } from '../../src/platform/virt-memory-map';
import { assemble } from '../oracles/llvm-mc';
import { LLVM_MC, QEMU_SYSTEM_ARM, oraclesAvailable, tool } from '../oracles/tools';

const KiB = 1024;
const MiB = 1024 * KiB;
/** U-Boot's port width and chip width on virt: a 32-bit port of x16 chips. */
const PORT = 4;

/** A command as U-Boot's flash_make_cmd lays it out: the byte in the low lane of each x16 chip. */
const cmd32 = (c: number) => (c | (c << 16)) >>> 0;
const command = (f: CfiPflash, c: number, at = 0) => f.write(at, 4, cmd32(c));
const r32 = (f: CfiPflash, o: number) => f.read(o, 4);

function modeLog(f: CfiPflash): boolean[] {
  const log: boolean[] = [];
  f.onModeChange = (arrayMode) => log.push(arrayMode);
  return log;
}

/**
 * U-Boot's flash_detect_cfi: for port widths 1, 2, 4 and chip widths up to the port, reset
 * (0xF0, 0xFF), write the query command at 0x55 then 0x555 (query addresses scaled by the port
 * width) and compare "QRY" at 0x10.. with the characters laid out as a command.
 */
function ubootProbe(f: CfiPflash): { port: AccessSize; chip: number } | null {
  for (const port of [1, 2, 4] as const) {
    for (let chip = 1; chip <= port; chip *= 2) {
      const make = (c: number) => {
        let v = 0;
        for (let lane = 0; lane < port; lane++) if (lane % chip === 0) v |= c << (8 * lane);
        return v >>> 0;
      };
      f.write(0, port, make(CFI_CMD.AMD_RESET));
      f.write(0, port, make(CFI_CMD.READ_ARRAY));
      for (const queryAt of [0x55, 0x555]) {
        f.write(queryAt * port, port, make(CFI_CMD.QUERY));
        if ([0x51, 0x52, 0x59].every((ch, i) => f.read((0x10 + i) * port, port) === make(ch))) return { port, chip };
      }
    }
  }
  return null;
}

describe('CFI flash (Intel extended command set, QEMU virt bank)', () => {
  it("answers U-Boot's probe as a 32-bit port of two x16 chips, and its query table gives QEMU virt's geometry", () => {
    const f = new CfiPflash();
    expect(ubootProbe(f)).toEqual({ port: 4, chip: 2 });
    expect(f.arrayMode).toBe(false);
    // flash_read_uchar: the byte at query address i * port width.
    const q = (i: number) => f.read(i * PORT, 1);
    expect([q(0x10), q(0x11), q(0x12)].map((c) => String.fromCharCode(c)).join('')).toBe('QRY');
    expect(q(0x13) | (q(0x14) << 8)).toBe(1); // Intel/Sharp extended
    expect(q(0x15) | (q(0x16) << 8)).toBe(0x31); // primary extended table "PRI"
    expect([q(0x31), q(0x32), q(0x33)].map((c) => String.fromCharCode(c)).join('')).toBe('PRI');
    expect(q(0x28) | (q(0x29) << 8)).toBe(2); // x8/x16 interface
    const ratio = PORT / 2; // U-Boot's size_ratio: port width / chip width
    expect((1 << q(0x27)) * ratio).toBe(2 ** 26);
    expect(q(0x2c)).toBe(1); // one erase region
    const region = (q(0x2d) | (q(0x2e) << 8) | (q(0x2f) << 16) | (q(0x30) << 24)) >>> 0;
    expect((region & 0xffff) + 1).toBe(256); // blocks
    expect((region >>> 16) * 256 * ratio).toBe(256 * KiB); // erase block of the bank
    expect((1 << (q(0x2a) | (q(0x2b) << 8))) * ratio).toBe(4096); // write buffer of the bank
    // Whole bank words as the compare reads them, and past the table's end.
    expect(r32(f, 0x10 * PORT)).toBe(0x00510051);
    expect(r32(f, 0x27 * PORT)).toBe(0x00190019);
    expect(r32(f, 0x60 * PORT)).toBe(0);
    // Narrow reads return the low bytes of the bank word, whatever the address's low bits (QEMU).
    expect([0, 1, 2, 3].map((b) => f.read(0x10 * PORT + b, 1))).toEqual([0x51, 0x51, 0x51, 0x51]);
    expect(f.read(0x11 * PORT + 2, 2)).toBe(0x0052);
    command(f, CFI_CMD.READ_ARRAY);
    expect(f.arrayMode).toBe(true);
  });

  it('stays in query mode until read array (0xFF): other writes are ignored there', () => {
    const f = new CfiPflash();
    command(f, CFI_CMD.QUERY, 0x55 * PORT);
    for (const c of [CFI_CMD.READ_ID, CFI_CMD.READ_STATUS, CFI_CMD.AMD_RESET, CFI_CMD.CLEAR_STATUS, CFI_CMD.BLOCK_ERASE]) {
      command(f, c);
      expect(r32(f, 0x10 * PORT), `after 0x${c.toString(16)}`).toBe(0x00510051);
    }
    expect(r32(f, 0)).toBe(0); // the erase was not taken
    f.write(0, 2, CFI_CMD.READ_ARRAY); // 16-bit write: the low byte is the command
    expect(f.arrayMode).toBe(true);
  });

  it('reads manufacturer 0x89 and device 0x18 in read-ID mode, and every block unlocked', () => {
    const f = new CfiPflash();
    command(f, CFI_CMD.READ_ID);
    expect(f.read(0, 1)).toBe(0x89); // flash_read_uchar(0)
    expect(f.read(1 * PORT, 2)).toBe(0x0018); // flash_read_word(1) on x16 chips
    expect(r32(f, 0)).toBe(0x00890089);
    expect(r32(f, 4)).toBe(0x00180018);
    // Lock status at query address 2 of each block (U-Boot's flash_isset(.., 2, 0x01)): not locked.
    for (const block of [0, 1, 255]) expect(r32(f, block * 256 * KiB + 2 * PORT)).toBe(0);
    // The ID addresses repeat every 256 query addresses.
    expect(r32(f, 0x100 * PORT)).toBe(0x00890089);
    command(f, CFI_CMD.READ_ARRAY);
    expect(r32(f, 0)).toBe(0);
  });

  it('programs a word, a halfword and a byte (0x40 or 0x10), each read back in read array mode', () => {
    const f = new CfiPflash();
    command(f, CFI_CMD.CLEAR_STATUS, 0x100);
    command(f, CFI_CMD.PROGRAM, 0x100);
    expect(f.arrayMode).toBe(false);
    expect(r32(f, 0x100)).toBe(0); // SR after clear status, before the data cycle
    f.write(0x100, 4, 0x12345678);
    expect(r32(f, 0x100)).toBe(0x00800080); // status: ready, no error
    command(f, CFI_CMD.READ_ARRAY);
    expect(r32(f, 0x100)).toBe(0x12345678);
    command(f, CFI_CMD.PROGRAM_ALT, 0x104);
    f.write(0x106, 2, 0xbeef);
    command(f, CFI_CMD.PROGRAM, 0x108);
    f.write(0x109, 1, 0x5a);
    command(f, CFI_CMD.READ_ARRAY);
    expect(r32(f, 0x104)).toBe(0xbeef0000);
    expect(r32(f, 0x108)).toBe(0x00005a00);
    expect(f.readBytes(0x100, 4)).toEqual(new Uint8Array([0x78, 0x56, 0x34, 0x12]));
  });

  it('erases the 256 KiB block holding the address to 0xFF, and only that block', () => {
    const f = new CfiPflash();
    f.writeBytes(0x40010, new Uint8Array([1, 2, 3, 4]));
    f.writeBytes(0x3fffc, new Uint8Array([5, 6, 7, 8]));
    command(f, CFI_CMD.CLEAR_STATUS, 0x40000);
    command(f, CFI_CMD.BLOCK_ERASE, 0x40000);
    command(f, CFI_CMD.CONFIRM, 0x40000);
    expect(r32(f, 0x40000)).toBe(0x00800080);
    command(f, CFI_CMD.READ_ARRAY);
    expect(r32(f, 0x40010)).toBe(0xffffffff);
    expect(r32(f, 0x40000)).toBe(0xffffffff);
    expect(r32(f, 0x7fffc)).toBe(0xffffffff);
    expect(r32(f, 0x3fffc)).toBe(0x08070605);
    expect(r32(f, 0x80000)).toBe(0);
  });

  it('erases at the setup cycle as QEMU does: a cancelled or badly confirmed erase has still erased', () => {
    const f = new CfiPflash();
    for (const second of [CFI_CMD.READ_ARRAY, 0x00, 0x33]) {
      f.writeBytes(0x80010, new Uint8Array([1, 2, 3, 4]));
      command(f, CFI_CMD.BLOCK_ERASE, 0x80000);
      command(f, second, 0x80000);
      expect(f.arrayMode).toBe(true);
      expect(r32(f, 0x80010)).toBe(0xffffffff);
    }
  });

  it('buffered write (0xE8): count, data, confirm commits the words; another second command aborts them', () => {
    const f = new CfiPflash({ fill: 0xff });
    command(f, CFI_CMD.CLEAR_STATUS, 0x1000);
    command(f, CFI_CMD.WRITE_TO_BUFFER, 0x1000);
    expect(r32(f, 0x1000)).toBe(0x00800080); // a buffer is available
    command(f, 3, 0x1000); // four port words (count - 1 in each chip's byte)
    const words = [0x11111111, 0x22222222, 0x33333333, 0x44444444];
    words.forEach((w, i) => f.write(0x1000 + 4 * i, 4, w));
    expect(f.readBytes(0x1000, 4)).toEqual(new Uint8Array([0xff, 0xff, 0xff, 0xff])); // not yet in the array
    command(f, CFI_CMD.CONFIRM, 0x1000);
    expect(r32(f, 0x1000)).toBe(0x00800080);
    command(f, CFI_CMD.READ_ARRAY);
    expect([0, 4, 8, 12].map((o) => r32(f, 0x1000 + o))).toEqual(words);

    command(f, CFI_CMD.WRITE_TO_BUFFER, 0x2000);
    command(f, 1, 0x2000);
    f.write(0x2000, 4, 0xaaaaaaaa);
    f.write(0x2004, 4, 0xbbbbbbbb);
    command(f, CFI_CMD.READ_ARRAY, 0x2000); // not a confirm: abort
    expect(f.arrayMode).toBe(true);
    expect(r32(f, 0x2000)).toBe(0xffffffff);
  });

  it('buffered write of one word (count 0) programs it; data outside the 4 KiB window is a program error', () => {
    const f = new CfiPflash();
    command(f, CFI_CMD.WRITE_TO_BUFFER, 0xffc);
    command(f, 0, 0xffc);
    f.write(0xffc, 4, 0xcafef00d);
    command(f, CFI_CMD.CONFIRM, 0xffc);
    command(f, CFI_CMD.READ_ARRAY);
    expect(r32(f, 0xffc)).toBe(0xcafef00d);

    command(f, CFI_CMD.WRITE_TO_BUFFER, 0xffc);
    command(f, 1, 0xffc);
    f.write(0xffc, 4, 0x01010101);
    f.write(0x1000, 4, 0x02020202); // crosses into the next window
    expect(r32(f, 0xffc)).toBe(0x00900090);
    command(f, CFI_CMD.CONFIRM, 0xffc); // refused: SR.4 set, nothing written
    expect(f.arrayMode).toBe(true);
    expect(r32(f, 0xffc)).toBe(0xcafef00d);
    expect(r32(f, 0x1000)).toBe(0);
    command(f, CFI_CMD.READ_STATUS);
    expect(r32(f, 0)).toBe(0x00900090); // the error stays until clear status
  });

  it('reads the status register per chip at every access size, and clears it with 0x50', () => {
    const f = new CfiPflash();
    command(f, CFI_CMD.READ_STATUS);
    expect([r32(f, 0), f.read(0, 2), f.read(2, 2), f.read(0, 1), f.read(3, 1)]).toEqual([0x00800080, 0x80, 0x80, 0x80, 0x80]);
    command(f, CFI_CMD.CLEAR_STATUS);
    expect(f.arrayMode).toBe(true);
    command(f, CFI_CMD.READ_STATUS);
    expect(r32(f, 0)).toBe(0); // QEMU clears the ready bit too
    command(f, CFI_CMD.LOCK_SETUP, 0x40000);
    command(f, CFI_CMD.LOCK_SET, 0x40000);
    expect(r32(f, 0x40000)).toBe(0x00800080);
    command(f, CFI_CMD.READ_ID, 0x40000);
    expect(r32(f, 0x40000 + 2 * PORT)).toBe(0); // lock bits are not kept
  });

  it('reports errors of a read-only bank in SR.5 (erase) and SR.4 (program) and keeps its contents', () => {
    const f = new CfiPflash({ readOnly: true, contents: new Uint8Array([1, 2, 3, 4]) });
    command(f, CFI_CMD.BLOCK_ERASE);
    command(f, CFI_CMD.CONFIRM);
    expect(r32(f, 0)).toBe(0x00a000a0);
    command(f, CFI_CMD.CLEAR_STATUS);
    command(f, CFI_CMD.PROGRAM);
    f.write(0, 4, 0);
    expect(r32(f, 0)).toBe(0x00900090);
    command(f, CFI_CMD.READ_ARRAY);
    expect(r32(f, 0)).toBe(0x04030201);
  });

  it('returns to read array on an unknown command or an unknown second cycle, as QEMU does', () => {
    const f = new CfiPflash({ contents: new Uint8Array([0x78, 0x56, 0x34, 0x12]) });
    for (const c of [0x33, 0x28, 0xd0, 0x01, 0xe9]) {
      command(f, CFI_CMD.READ_STATUS);
      command(f, c);
      expect(f.arrayMode, `0x${c.toString(16)}`).toBe(true);
      expect(r32(f, 0)).toBe(0x12345678);
    }
    command(f, CFI_CMD.LOCK_SETUP);
    command(f, 0x33);
    expect(f.arrayMode).toBe(true);
  });

  it('calls onModeChange when the bank leaves and re-enters read array mode, and only then', () => {
    const f = new CfiPflash();
    const log = modeLog(f);
    command(f, CFI_CMD.READ_ARRAY);
    expect(log).toEqual([]);
    command(f, CFI_CMD.QUERY);
    command(f, 0x12); // ignored in query mode
    command(f, CFI_CMD.READ_ARRAY);
    command(f, CFI_CMD.PROGRAM);
    f.write(0, 4, 0x11);
    command(f, CFI_CMD.READ_STATUS);
    command(f, CFI_CMD.READ_ID);
    f.reset();
    expect(log).toEqual([false, true, false, true]);
    const g = new CfiPflash({ onModeChange: (m) => log.push(m) });
    command(g, CFI_CMD.READ_STATUS);
    expect(log).toEqual([false, true, false, true, false]);
  });

  it('holds 64 MiB without allocating it until written; contents are copied or adopted', () => {
    const f = new CfiPflash();
    expect(f.size).toBe(64 * MiB);
    expect(r32(f, 64 * MiB - 4)).toBe(0); // QEMU's unbacked virt flash reads 0
    expect(f.readBytes(0, 3)).toEqual(new Uint8Array(3));
    expect(new CfiPflash({ fill: 0xff }).read(0x123, 2)).toBe(0xffff);
    const image = new CfiPflash({ size: 512 * KiB, contents: new Uint8Array([9, 8]) });
    expect(r32(image, 0)).toBe(0x0809);
    const backing = new Uint8Array(512 * KiB);
    const adopted = new CfiPflash({ size: 512 * KiB, contents: backing });
    command(adopted, CFI_CMD.PROGRAM, 8);
    adopted.write(8, 4, 0xa5a5a5a5);
    expect(backing[8]).toBe(0xa5); // the caller's buffer is the store
    expect(adopted.bytes).toBe(backing);
  });

  it('rejects banks it cannot describe and accesses outside the bank', () => {
    expect(() => new CfiPflash({ size: 100 * KiB })).toThrow(CfiFlashError);
    expect(() => new CfiPflash({ sectorLength: 3000 })).toThrow(CfiFlashError);
    expect(() => new CfiPflash({ size: 512 * KiB, contents: new Uint8Array(512 * KiB + 1) })).toThrow(CfiFlashError);
    expect(() => new CfiPflash({ fill: 256 })).toThrow(CfiFlashError);
    const f = new CfiPflash({ size: 512 * KiB });
    expect(() => f.read(512 * KiB, 4)).toThrow(MmioError);
    expect(() => f.write(512 * KiB - 2, 4, 0)).toThrow(MmioError);
    expect(() => f.readBytes(512 * KiB - 1, 2)).toThrow(MmioError);
  });

  it('sits on the bus at virt\'s two bank addresses; the bus rejects bad offsets before the bank sees them', () => {
    const unmapped: UnmappedAccess[] = [];
    const bus = new MmioBus((a) => unmapped.push(a));
    const banks = VIRT_FLASH_BANKS.map((b, i) => {
      const f = new CfiPflash({ name: `flash${i}`, size: b.size });
      bus.map(b.base, f);
      return f;
    });
    bus.write(VIRT_FLASH_BANKS[1].base + 0x55 * PORT, 4, cmd32(CFI_CMD.QUERY));
    expect(bus.read(VIRT_FLASH_BANKS[1].base + 0x10 * PORT, 4)).toBe(0x00510051);
    expect(banks.map((b) => b.arrayMode)).toEqual([true, false]);
    const end = VIRT_FLASH_BANKS[1].base + VIRT_FLASH_BANKS[1].size;
    expect(bus.read(end, 4)).toBe(0);
    expect(unmapped).toEqual([{ pa: end, size: 4, write: false, value: undefined, cpu: 0 }]);
    expect(() => bus.read(VIRT_FLASH_BANKS[0].base + 2, 4)).toThrow(MmioError); // unaligned
    expect(() => bus.write(VIRT_FLASH_BANKS[0].base, 8 as AccessSize, 0)).toThrow(MmioError);
  });

  it('keeps arrayMode and the hook in step and answers within the access size for any write sequence', () => {
    const cmds = [0x00, 0x01, 0x10, 0x20, 0x40, 0x50, 0x60, 0x70, 0x90, 0x98, 0xd0, 0xe8, 0xf0, 0xff, 0x33];
    const access = fc.record({
      write: fc.boolean(),
      size: fc.constantFrom<AccessSize>(1, 2, 4),
      slot: fc.integer({ min: 0, max: 0x3ff }),
      value: fc.oneof(fc.constantFrom(...cmds).map(cmd32), fc.integer({ min: 0, max: 0xffffffff })),
    });
    fc.assert(
      fc.property(fc.array(access, { maxLength: 60 }), (seq) => {
        const f = new CfiPflash({ size: 1 * MiB });
        let mode = true;
        f.onModeChange = (m) => {
          expect(m).not.toBe(mode);
          mode = m;
        };
        for (const a of seq) {
          const offset = a.slot * 1024 + ((a.slot * 4) % 1024) - (((a.slot * 4) % 1024) % a.size);
          if (a.write) f.write(offset, a.size, a.value & (a.size === 4 ? 0xffffffff : a.size === 2 ? 0xffff : 0xff));
          else {
            const v = f.read(offset, a.size);
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThan(2 ** (8 * a.size));
            if (f.arrayMode) expect(v).toBe(f.readBytes(offset, a.size).reduceRight((acc, b) => acc * 256 + b, 0));
          }
          expect(f.arrayMode).toBe(mode);
        }
      }),
    );
  });
});

// ---- QEMU as the oracle ----

/** One access to virt's second flash bank (unbacked, so it starts all zero). */
type Op = readonly ['w', AccessSize, number, number] | readonly ['r', AccessSize, number];

const w = (offset: number, value: number, size: AccessSize = 4): Op => ['w', size, offset, value];
const r = (offset: number, size: AccessSize = 4): Op => ['r', size, offset];
const c = (cmd: number, offset = 0): Op => w(offset, cmd32(cmd));

/**
 * The sequence compared with QEMU: array reads of the unbacked bank, the CFI table and narrow
 * query reads, read ID and lock status, status at each size, word/halfword/byte program, erase
 * (confirmed, cancelled), buffered write (committed, aborted, a single word), lock commands,
 * unknown commands, byte and halfword commands.
 */
const ORACLE_OPS: readonly Op[] = [
  r(0), r(0x1000),
  c(CFI_CMD.QUERY, 0x55 * PORT),
  ...Array.from({ length: 0x54 }, (_, i) => r(i * PORT)),
  r(0x40, 1), r(0x41, 1), r(0x42, 1), r(0x43, 1), r(0x40, 2), r(0x42, 2), r(0x9c, 1),
  c(CFI_CMD.READ_ID), r(0x40), c(CFI_CMD.READ_STATUS), r(0x44),
  c(CFI_CMD.READ_ARRAY), r(0x40),
  c(CFI_CMD.READ_ID), r(0), r(4), r(8), r(0, 1), r(4, 2), r(0x400), r(0x40008), r(0x40000), r(0x40004),
  c(CFI_CMD.READ_STATUS), r(0), r(0, 2), r(2, 2), r(0, 1), r(1, 1), r(3, 1),
  c(CFI_CMD.CLEAR_STATUS, 0x100), c(CFI_CMD.PROGRAM, 0x100), r(0x100), w(0x100, 0x12345678), r(0x100), c(CFI_CMD.READ_ARRAY), r(0x100),
  c(CFI_CMD.PROGRAM_ALT, 0x104), w(0x106, 0xbeef, 2), c(CFI_CMD.PROGRAM, 0x108), w(0x109, 0x5a, 1), c(CFI_CMD.READ_ARRAY), r(0x104), r(0x108),
  c(CFI_CMD.PROGRAM, 0x40010), w(0x40010, 0xcafef00d), c(CFI_CMD.READ_ARRAY), r(0x40010),
  c(CFI_CMD.CLEAR_STATUS, 0x40000), c(CFI_CMD.BLOCK_ERASE, 0x40000), r(0x40000), c(CFI_CMD.CONFIRM, 0x40000), r(0x40004),
  c(CFI_CMD.READ_ARRAY), r(0x40010), r(0x40000), r(0x7fffc), r(0x3fffc), r(0x80000), r(0x100),
  c(CFI_CMD.PROGRAM, 0x80010), w(0x80010, 0x01020304), c(CFI_CMD.BLOCK_ERASE, 0x80000), c(CFI_CMD.READ_ARRAY, 0x80000), r(0x80010),
  c(CFI_CMD.PROGRAM, 0x80020), w(0x80020, 0x01020304), c(CFI_CMD.BLOCK_ERASE, 0x80000), c(0x33, 0x80000), r(0x80020),
  c(CFI_CMD.WRITE_TO_BUFFER, 0x41000), r(0x41000), c(3, 0x41000),
  w(0x41000, 0x11111111), w(0x41004, 0x22222222), w(0x41008, 0x33333333), w(0x4100c, 0x44444444),
  r(0x41000), c(CFI_CMD.CONFIRM, 0x41000), r(0x41000), c(CFI_CMD.READ_ARRAY), r(0x41000), r(0x41004), r(0x41008), r(0x4100c),
  c(CFI_CMD.WRITE_TO_BUFFER, 0x42000), c(1, 0x42000), w(0x42000, 0xaaaaaaaa), w(0x42004, 0xbbbbbbbb), c(CFI_CMD.READ_ARRAY, 0x42000), r(0x42000), r(0x42004),
  c(CFI_CMD.LOCK_SETUP, 0x80000), r(0x80000), c(CFI_CMD.LOCK_SET, 0x80000), r(0x80000), c(CFI_CMD.READ_ID, 0x80000), r(0x80008),
  c(CFI_CMD.LOCK_SETUP, 0x80000), c(CFI_CMD.CONFIRM, 0x80000), r(0x80000), c(CFI_CMD.READ_STATUS), r(0),
  c(CFI_CMD.LOCK_SETUP, 0x80000), c(0x33, 0x80000), r(0x100),
  c(0x33), r(0x100), c(CFI_CMD.READ_STATUS), c(0x28), r(0x100), c(CFI_CMD.READ_STATUS), c(0xd0), r(0x100),
  c(CFI_CMD.CLEAR_STATUS), r(0), c(CFI_CMD.READ_STATUS), r(0), c(CFI_CMD.READ_ARRAY),
  c(CFI_CMD.WRITE_TO_BUFFER, 0x43000), c(0, 0x43000), w(0x43000, 0x5555aaaa), r(0x43000), c(CFI_CMD.CONFIRM, 0x43000), r(0x43000),
  c(CFI_CMD.READ_STATUS), r(0), c(CFI_CMD.READ_ARRAY), r(0x43000), c(CFI_CMD.CLEAR_STATUS),
  w(0x55 * PORT, CFI_CMD.QUERY, 1), r(0x40), w(2, CFI_CMD.READ_ARRAY, 2), r(0x40), w(1, CFI_CMD.READ_STATUS, 1), r(0), c(CFI_CMD.READ_ARRAY), r(0x100),
];

function runModel(ops: readonly Op[]): number[] {
  const f = new CfiPflash({ name: 'virt.flash1' });
  const out: number[] = [];
  for (const op of ops) {
    if (op[0] === 'w') f.write(op[2], op[1], op[3]);
    else out.push(f.read(op[2], op[1]));
  }
  return out;
}

/** The same accesses as an A32 program on QEMU's virt (run from bank 0), each read printed as hex on the PL011. */
function oracleProgram(ops: readonly Op[]): string {
  const suffix = { 1: 'b', 2: 'h', 4: '' } as const;
  const body = ops.map((op, i) => {
    const lines = [`  ldr r2, =${op[2]}`];
    if (op[0] === 'w') lines.push(`  ldr r1, =${op[3]}`, `  str${suffix[op[1]]} r1, [r4, r2]`);
    else lines.push(`  ldr${suffix[op[1]]} r0, [r4, r2]`, '  mov lr, pc', '  b 8f'); // call puthex (a bl would need a linker)
    if (i % 16 === 15) lines.push('  b 9f', '  .ltorg', '9:');
    return lines.join('\n');
  });
  return `
.text
.arm
.globl _start
_start:
  ldr r4, =0x04000000   @ virt.flash1
  ldr r10, =0x09000000  @ PL011 UARTDR
${body.join('\n')}
  mov r3, #'E'
  str r3, [r10]
  mov r3, #10
  str r3, [r10]
1: b 1b
  .ltorg
8: @ puthex: r0 as eight hex digits and a newline
  mov r2, #28
2:
  lsr r3, r0, r2
  and r3, r3, #15
  cmp r3, #10
  addlt r3, r3, #48
  addge r3, r3, #87
  str r3, [r10]
  subs r2, r2, #4
  bge 2b
  mov r3, #10
  str r3, [r10]
  bx lr
`;
}

function runQemu(image: Uint8Array): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'setway-pflash-'));
  const bios = join(dir, 'bios.bin');
  writeFileSync(bios, image);
  return new Promise<number[]>((resolve, reject) => {
    const args = ['-M', 'virt', '-cpu', 'cortex-a15', '-bios', bios, '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-nodefaults'];
    const child = spawn(tool(QEMU_SYSTEM_ARM), args);
    let out = '';
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      if (err) reject(err);
      else resolve(out.split('\n').filter((l) => /^[0-9a-f]{8}$/.test(l)).map((l) => parseInt(l, 16)));
    };
    const timer = setTimeout(() => finish(new Error(`QEMU printed no end marker in 20 s: ${JSON.stringify(out.slice(-200))}`)), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (out.includes('E\n')) finish();
    });
    child.on('error', (e) => finish(e));
    child.on('exit', (code) => finish(new Error(`QEMU exited (${String(code)}) before the end marker: ${JSON.stringify(out.slice(-200))}`)));
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}

describe.runIf(oraclesAvailable('CFI flash against QEMU virt', LLVM_MC, QEMU_SYSTEM_ARM))('CFI flash against qemu-system-arm -M virt', () => {
  it('answers every read of the access sequence as QEMU does', async () => {
    const qemu = await runQemu(assemble(oracleProgram(ORACLE_OPS), 'a32'));
    const model = runModel(ORACLE_OPS);
    const hex = (v: number[]) => v.map((x) => x.toString(16).padStart(8, '0'));
    expect(qemu.length).toBe(model.length);
    expect(hex(model)).toEqual(hex(qemu));
  });
});

describe('CFI flash contents hook', () => {
  it('reports every change of the array: program, erase, buffered write, loader writes', () => {
    const changes: [number, number][] = [];
    const f = new CfiPflash({ onContentsChange: (offset, length) => changes.push([offset, length]) });
    command(f, CFI_CMD.PROGRAM, 0x100);
    f.write(0x100, 4, 0x1234_5678);
    command(f, CFI_CMD.BLOCK_ERASE, 0x4_0010);
    command(f, CFI_CMD.CONFIRM, 0x4_0010);
    f.writeBytes(0x20, new Uint8Array([1, 2]));
    expect(changes).toEqual([
      [0x100, 4],
      [0x4_0000, 256 * KiB],
      [0x20, 2],
    ]);
    // Reads and commands that change nothing report nothing.
    command(f, CFI_CMD.READ_ARRAY);
    f.read(0x100, 4);
    expect(changes).toHaveLength(3);
  });
});
