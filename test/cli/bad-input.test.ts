/**
 * Nothing a user types crashes or fools setway (issue 19): each row is a command line, the exit
 * code the README documents (2 bad command line, 3 unreadable or bad input, 4 guest failure; 70
 * only for a bug in setway) and the one line of stderr; under --json also the error as JSON on
 * stdout. No message shows an internal class name or a raw errno code.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { machine } from '../../src/api';

const BIN = fileURLToPath(new URL('../../bin/setway.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'setway-bad-input-'));
const EMPTY = join(dir, 'empty.bin');
writeFileSync(EMPTY, new Uint8Array(0));
/** Sparse files: their size is what matters, and nothing reads a byte of the 3 GiB one. */
const HUGE = join(dir, 'huge.bin');
writeFileSync(HUGE, new Uint8Array(0));
truncateSync(HUGE, 3 * 2 ** 30);
const TWO_MIB = join(dir, 'two-mib.bin');
writeFileSync(TWO_MIB, new Uint8Array(0));
truncateSync(TWO_MIB, 2 * 2 ** 20);
const SMALL = join(dir, 'small.bin');
writeFileSync(SMALL, new Uint8Array(4096));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const A32_OBJECT = ['roms/build/a32-set-way.o', '--load', '0x41000000', '--symbol', 'flush_dcache_all'];

function setway(args: readonly string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('npm warn')) };
}

/** [what the issue names, command line, exit code, the stderr line after 'setway: ']. */
const ROWS: readonly (readonly [string, readonly string[], number, RegExp])[] = [
  // Images that are no images: a device that never ends, a directory, nothing, more than RAM.
  ['a device', ['run', '/dev/zero', '--load', '0x40000000', '--isa', 'a32'], 3, /^image \/dev\/zero is not a regular file$/],
  ['a directory', ['run', dir, '--load', '0x40000000', '--isa', 'a32'], 3, /^image .* is not a regular file$/],
  ['an empty raw image', ['run', EMPTY, '--load', '0x40000000', '--isa', 'a32'], 3, /^image .*empty\.bin is empty$/],
  ['an image over 2 GiB', ['run', HUGE, '--load', '0x40000000', '--isa', 'a32'], 3, /^image .*huge\.bin is 3221225472 bytes, .*2 GiB/],
  ['an image larger than guest RAM', ['run', TWO_MIB, '--load', '0x40000000', '--isa', 'a32', '--guest-ram', '1m'], 3, /^image segment of 2097152 bytes is larger than the guest's RAM 0x40000000-0x400fffff/],
  ['a missing file', ['run', '/nonexistent/image.bin'], 3, /^cannot read image \/nonexistent\/image\.bin: no such file$/],
  // Negative numbers: one line naming the flag, not node's three.
  ['--seed -1', ['run', ...A32_OBJECT, '--seed', '-1'], 2, /^run: --seed wants a non-negative integer, not '-1'$/],
  ['--budget -5', ['run', ...A32_OBJECT, '--budget', '-5'], 2, /^run: --budget wants a non-negative integer, not '-5'$/],
  ['--buffer-kib -4', ['run', ...A32_OBJECT, '--buffer-kib', '-4'], 2, /^run: --buffer-kib wants a non-negative integer, not '-4'$/],
  ['--load -1', ['run', 'roms/build/a32-set-way.o', '--symbol', 'flush_dcache_all', '--load', '-1'], 2, /^run: --load wants an address such as 0x40000000, not '-1'$/],
  ['demo --seed -1', ['demo', '--seed', '-1'], 2, /^demo: --seed wants a non-negative integer, not '-1'$/],
  // Values a command used to take for something else, or run with.
  ['demo --isa foo', ['demo', '--isa', 'foo'], 2, /^demo: --isa must be a32, t32 or a64, not 'foo'$/],
  ['demo --isa thumb', ['demo', '--isa', 'thumb'], 2, /^demo: --isa must be a32, t32 or a64, not 'thumb'$/],
  ['sweep --seeds 0', ['sweep', '--seeds', '0'], 2, /^sweep: --seeds must be at least 1$/],
  // Sizes and addresses the machine cannot honour: a bad command line (2), not a guest failure (4).
  ['--buffer-kib 99999999', ['run', ...A32_OBJECT, '--buffer-kib', '99999999'], 2, /^a buffer of 99999999 KiB does not fit the harness's 15360 KiB buffer area \(--buffer-kib\)$/],
  ['--guest-ram 3m', ['run', ...A32_OBJECT, '--guest-ram', '3m'], 2, /^guest RAM of 3145728 bytes cannot hold the harness \(16 MiB\) and the image/],
  ['--load 0 (raw)', ['run', SMALL, '--load', '0', '--isa', 'a32'], 2, /^image segment at 0x0 \(\+0x1000\) lies outside the guest's RAM 0x40000000-0x43ffffff \(see --load, --guest-ram\)$/],
  ['demo --buffer-kib 0', ['demo', '--buffer-kib', '0'], 2, /^the boot-handoff buffer \(--buffer-kib\) must hold 4 bytes to 64512 KiB/],
  // Flags that were silently ignored.
  ['--isa a64 on an A32 ELF', ['run', ...A32_OBJECT, '--isa', 'a64'], 2, /^--isa a64 contradicts roms\/build\/a32-set-way\.o, an A32 image$/],
  ['--entry with --symbol', ['run', ...A32_OBJECT, '--entry', '0x41000000'], 2, /^run: give --symbol or --entry, not both$/],
  ['--system-map on an ELF', ['run', ...A32_OBJECT, '--system-map', SMALL], 2, /^--system-map is for a zImage or raw kernel Image; .* is an ELF file with its own symbols$/],
  ['hsr --rt without --preset', ['hsr', '0x0FE41CBC', '--rt', '0x40000c02'], 2, /^hsr: --rt needs --preset/],
  // Typed errors keep their exit code but lose their class name.
  ['a raw image without --load', ['run', SMALL], 3, /^.*small\.bin: not an ELF file or ARM zImage; a raw binary needs --load ADDR and --isa/],
];

describe('setway refuses what it cannot run, in one line and its documented exit code', () => {
  it.each(ROWS)('%s', (_what, args, code, line) => {
    const r = setway(args);
    expect(r.code).toBe(code);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^setway: /);
    const message = r.err[0].slice('setway: '.length);
    expect(message).toMatch(line);
    expect(message).not.toMatch(/\b[A-Z]\w*Error:|\bE[A-Z]{3,}\b/);
  });

  it.each([
    ['run a missing file', ['run', '/nonexistent/image.bin', '--json'], { kind: 'input', message: 'cannot read image /nonexistent/image.bin: no such file', exitCode: 3 }],
    ['run --seed -1', ['run', ...A32_OBJECT, '--seed', '-1', '--json'], { kind: 'usage', message: "run: --seed wants a non-negative integer, not '-1'", exitCode: 2 }],
    ['demo --isa thumb', ['demo', '--isa', 'thumb', '--json'], { kind: 'usage', message: "demo: --isa must be a32, t32 or a64, not 'thumb'", exitCode: 2 }],
    ['run past the budget', ['run', 'roms/build/a32-boot-handoff.elf', '--budget', '1000', '--json'], { kind: 'guest', exitCode: 4 }],
  ] as const)('under --json the error is JSON on stdout: %s', (_what, args, error) => {
    const r = setway(args);
    expect(r.code).toBe(error.exitCode);
    const json = JSON.parse(r.out) as { error: { kind: string; message: string; exitCode: number } };
    expect(json.error).toMatchObject(error);
    expect(Object.keys(json.error).sort()).toEqual(['exitCode', 'kind', 'message']);
  });

  it('hsr decodes an HSR with AArch32 registers (Rt, Rt2 are 4 bits; bits 9 and 14 are RES0), esr in the AArch64 view', () => {
    // 0x12345678: EC 0x04 (MCRR/MRRC), ISS bits 14 and 9 set (Rt 0b10011, Rt2 0b10101 as 5-bit fields).
    const hsr = setway(['hsr', '0x12345678']);
    expect(hsr.code).toBe(0);
    expect(hsr.out.trim()).toBe('0x12345678  EC=0x04 MCRR p15,4,r3,r5,c12 <not in register table> (RES0 bits of an HSR set: Rt/Rt2 are 4 bits)');
    expect(setway(['esr', '0x12345678']).out.trim()).toBe('0x12345678  EC=0x04 MCRR p15,4,x19,x21,c12 <not in register table>');
  });
});

describe('the library validates a migration mode it is given', () => {
  it.each([
    [{ kind: 'every' }, /^migration\.instructions must be a positive integer for kind 'every', not undefined$/],
    [{ kind: 'after-setway', k: 0 }, /^migration\.k must be a positive integer/],
    [{ kind: 'random', meanInstructions: 1.5 }, /^migration\.meanInstructions must be a positive integer/],
    [{ kind: 'bogus' }, /^migration\.kind must be one of never, every, after-setway, random, adversarial, not "bogus"$/],
    [{}, /^migration\.kind must be one of .*, not undefined$/],
  ])('%j is a SchedulerError naming the field', (migration, message) => {
    const build = () => new machine.Machine({ preset: 'cubietruck', isa: 'a32', policy: 'kvm', migration: migration as never });
    expect(build).toThrow(message);
    try {
      build();
    } catch (e) {
      expect((e as Error).name).toBe('SchedulerError');
    }
  });
});
