/**
 * QEMU's own device tree for its `virt` board (`-M virt,dumpdtb=FILE` writes it and exits), for
 * the CPU type setway's virt machine uses: Cortex-A15 on qemu-system-arm, Cortex-A53 on
 * qemu-system-aarch64.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OracleError, QEMU_SYSTEM_AARCH64, QEMU_SYSTEM_ARM, tool } from '../oracles/tools';

export interface QemuVirtOptions {
  readonly isa: 'a32' | 'a64';
  readonly cpus: number;
  /** A multiple of 1 MiB. */
  readonly ramBytes: number;
  readonly bootargs?: string;
  /** The initrd's contents: QEMU loads it (with a 4-byte dummy kernel) and names its range in /chosen. */
  readonly initrd?: Uint8Array;
  /** `virtualization=on`: the guest gets EL2, PSCI by SMC, and the GIC's virtualization frames. */
  readonly virtualization?: boolean;
}

export function qemuVirtDtb(o: QemuVirtOptions): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'setway-qemu-dtb-'));
  try {
    const out = join(dir, 'virt.dtb');
    const machine = `virt,dumpdtb=${out}${o.virtualization ? ',virtualization=on' : ''}`;
    const args = ['-M', machine, '-cpu', o.isa === 'a64' ? 'cortex-a53' : 'cortex-a15', '-smp', String(o.cpus)];
    args.push('-m', `${o.ramBytes / (1024 * 1024)}M`, '-display', 'none', '-monitor', 'none', '-serial', 'none');
    if (o.bootargs !== undefined || o.initrd) {
      const kernel = join(dir, 'kernel');
      writeFileSync(kernel, Uint8Array.from([0, 0, 0, 0]));
      args.push('-kernel', kernel);
    }
    if (o.bootargs !== undefined) args.push('-append', o.bootargs);
    if (o.initrd) {
      const initrd = join(dir, 'initrd');
      writeFileSync(initrd, o.initrd);
      args.push('-initrd', initrd);
    }
    const qemu = tool(o.isa === 'a64' ? QEMU_SYSTEM_AARCH64 : QEMU_SYSTEM_ARM);
    const r = spawnSync(qemu, args, { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new OracleError(qemu, `exit ${r.status}: ${(r.stderr ?? '').trim() || r.error?.message}`);
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
