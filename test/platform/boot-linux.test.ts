/**
 * Debian's armmp kernel (linux-image-6.1.0-*-armmp) on the virt platform: QEMU's console, a
 * verdict under xen with migration, and its set/way operations named in the trace.
 */
import { expect } from 'vitest';
import { describeLinuxBoot } from './linux-boot-acceptance';

/** Trapped DC*SW lines of the trace, as "vCPUn function" (function without its offset). */
function setWayCallers(lines: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const l of lines) {
    const m = /^\[\s*\d+ (vCPU\d)@pCPU\d pc=[0-9a-f]+ ([\w.]+)(?:\+0x[0-9a-f]+)?\] trap .*DC(?:C|I|CI)SW/.exec(l);
    if (m !== null) out.add(`${m[1]} ${m[2]}`);
  }
  return out;
}

describeLinuxBoot({
  flavour: 'armmp',
  /**
   * setway's vCPU is a Cortex-A7 (MIDR, no Spectre workarounds, no VFP, no ThumbEE, 2+2 debug
   * comparators) where QEMU's is a Cortex-A15.
   */
  knownDifferences: [/^CPU: ARMv7 Processor \[/, /Spectre/, /^VFP support/, /^hw-breakpoint: found/, /^ThumbEE/],
  checkTrace: (lines) => {
    // Both CPUs invalidate their L1 by set/way on the way up (MMU off, so the PC is physical);
    // CPU0 flushes everything from paging_init through v7_flush_dcache_all (its loop label).
    const callers = setWayCallers(lines);
    expect(callers).toContain('vCPU0 v7_invalidate_l1');
    expect(callers).toContain('vCPU1 v7_invalidate_l1');
    expect(callers).toContain('vCPU0 loop2');
  },
});
