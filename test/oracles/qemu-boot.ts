/**
 * QEMU system mode booting a kernel on `virt` as the oracle for setway's boot console: the same
 * kernel, command line, CPU count and RAM, serial on stdout, stopped when the console matches
 * `until` or after `timeoutMs`. Single-threaded TCG with -icount makes its SMP boot deterministic.
 * No NIC (-nic none): setway's virt has no PCIe, so its firmware finds no network either.
 * Lines are compared without their printk timestamps.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QEMU_SYSTEM_AARCH64, QEMU_SYSTEM_ARM, tool } from './tools';

export interface QemuBootOptions {
  readonly isa: 'a32' | 'a64';
  /** A kernel for -kernel, or firmware for -bios. */
  readonly kernel?: string;
  readonly bios?: string;
  /** An image for flash bank 1 (0x04000000, as -drive if=pflash,unit=1): padded to the bank's 64 MiB in a temporary file. */
  readonly flash1?: string;
  readonly append?: string;
  readonly cpus: number;
  readonly ramMiB: number;
  readonly until: RegExp;
  readonly timeoutMs?: number;
  /** Type `text` on the serial line once the console matches `after` (a bootloader's prompt). */
  readonly type?: { readonly after: RegExp; readonly text: string };
}

/** The console QEMU printed up to `until` (or the timeout). */
export function qemuBootConsole(o: QemuBootOptions): Promise<string> {
  const bin = tool(o.isa === 'a32' ? QEMU_SYSTEM_ARM : QEMU_SYSTEM_AARCH64);
  const cpu = o.isa === 'a32' ? 'cortex-a15' : 'cortex-a53';
  const image = o.kernel !== undefined ? ['-kernel', o.kernel, ...(o.append === undefined ? [] : ['-append', o.append])] : ['-bios', o.bios!];
  const flash = o.flash1 === undefined ? [] : ['-drive', `if=pflash,unit=1,format=raw,file=${paddedFlashImage(o.flash1)}`];
  const args = ['-M', 'virt', '-accel', 'tcg,thread=single', '-icount', 'shift=0,sleep=off', '-cpu', cpu, '-smp', String(o.cpus), '-m', String(o.ramMiB), '-nographic', '-no-reboot', '-nic', 'none', ...image, ...flash];
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let typed = false;
    const done = () => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(out.replace(/\r/g, ''));
    };
    const timer = setTimeout(done, o.timeoutMs ?? 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (o.type !== undefined && !typed && o.type.after.test(out)) {
        typed = true;
        child.stdin.write(o.type.text);
      }
      if (o.until.test(out)) done();
    });
    child.on('exit', done);
  });
}

/** A copy of `path` padded with 0xff (erased flash) to QEMU virt's 64 MiB flash bank. */
function paddedFlashImage(path: string): string {
  const bank = new Uint8Array(64 * 2 ** 20).fill(0xff);
  bank.set(readFileSync(path));
  const out = join(mkdtempSync(join(tmpdir(), 'setway-flash-')), 'flash1.img');
  writeFileSync(out, bank);
  return out;
}

/** `text` up to the end of the line where `re` first matches (consoles arrive in chunks). */
export function upToMatch(text: string, re: RegExp): string {
  const m = re.exec(text);
  if (m === null) return text;
  const eol = text.indexOf('\n', m.index);
  return eol < 0 ? text : text.slice(0, eol + 1);
}

/** Console lines without printk timestamps ("[    0.000000] "), blank lines dropped. */
export function consoleLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/^\[\s*\d+\.\d+\] /, '').trimEnd())
    .filter((l) => l !== '');
}
