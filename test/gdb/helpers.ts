/** Shared by the GDB stub's tests: set/way instructions in our ROMs, and `setway run --gdb` as a child process. */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadRom } from '../../src/scenarios/rom-images';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/setway.js', import.meta.url));

/** DCCISW (MCR p15, 0, Rt, c7, c14, 2) and DC CISW, Xt: the flush loop's operation (Arm ARM G8 / C5.3). */
const DCCISW = { mask: 0x0fff0fff, value: 0x0e070f5e };
const DC_CISW = { mask: 0xffffffe0, value: 0xd5087e40 };

/** Address and register number of the first clean+invalidate by set/way in `flush_dcache_all` of a ROM. */
export function firstCleanBySetWay(rom: string): { address: number; rt: number } {
  const image = loadRom(rom);
  const { mask, value } = image.isa === 'a64' ? DC_CISW : DCCISW;
  const start = image.findSymbol('flush_dcache_all').address;
  for (const s of image.segments) {
    for (let a = Math.max(start, s.address); a + 4 <= s.address + s.bytes.length; a += 4) {
      const word = Buffer.from(s.bytes.buffer, s.bytes.byteOffset, s.bytes.length).readUInt32LE(a - s.address);
      if ((word & mask) >>> 0 === value) return { address: a, rt: image.isa === 'a64' ? word & 31 : (word >>> 12) & 15 };
    }
  }
  throw new Error(`${rom}: no clean+invalidate by set/way after flush_dcache_all`);
}

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `setway ARGS` to the end. */
export function setwaySync(args: readonly string[]): Finished {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `setway ARGS --gdb 0` started: the port it listens on (from its stderr line), and its end. */
export function setwayWithGdb(args: readonly string[]): { port: Promise<number>; done: Promise<Finished> } {
  const child = spawn(process.execPath, [BIN, ...args, '--gdb', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let announce: (port: number) => void;
  const port = new Promise<number>((resolve) => (announce = resolve));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
    const m = /waiting for a debugger on 127\.0\.0\.1:(\d+)/.exec(stderr);
    if (m !== null) announce(Number(m[1]));
  });
  const done = new Promise<Finished>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  // A child that ends without listening gives NaN rather than a test that waits forever.
  void done.then(() => announce(Number.NaN));
  return { port, done };
}

/** A run's printed result without its wall-clock time. */
export function withoutWallTime(stdout: string): string {
  return stdout.replace(/, wall \d+ ms/g, '').replace(/, [\d.]+ s wall/g, '');
}
