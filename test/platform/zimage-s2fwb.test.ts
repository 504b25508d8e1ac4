/**
 * kvm:fwb runs on FEAT_S2FWB hardware, which reports LoUU = LoUIS = 0 (Arm ARM rule IRRDBK): data
 * writes reach instruction fetches with no data cache cleaned. Debian's armmp zImage needs
 * it: its decompressor, with caches off, copies itself past the kernel's end and then invalidates
 * only the I-cache (ICIALLU) before jumping there; FWB makes those caches-off writes cacheable.
 * Before the policy's machine said so (a Cortex-A15 geometry with LoUU = 1), the jump fetched
 * zeros from memory and the guest died at a device access 1.44 M instructions in.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makePolicy } from '../../src/hyp/policies';
import { bareMetalFor } from '../../src/hyp/policies/bare-metal';
import { placeKernel } from '../../src/platform/linux-boot';
import { bootVirt } from '../../src/platform/virt-machine';
import { runBoot } from '../../src/scenarios/boot';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fetched = spawnSync('bash', [join(root, 'scripts', 'fetch-linux-kernel.sh'), 'armmp'], { encoding: 'utf8', timeout: 300_000 });
const zImage = fetched.status === 0 ? fetched.stdout.trim().split('\n').pop()! : undefined;
const skip = zImage === undefined && !process.env.CI;
const BOOTARGS = 'console=ttyAMA0 earlycon cryptomgr.notests';
/** Past the decompressor's relocation (the jump comes at instruction ~848,750). */
const BUDGET = 2_000_000;

describe.skipIf(skip)('the armmp zImage under kvm:fwb (FEAT_S2FWB hardware)', () => {
  it('the decompressor runs its relocated copy, as on bare metal of the same hardware', async () => {
    expect(zImage, 'fetch-linux-kernel.sh armmp').toBeDefined();
    const kernel = await placeKernel(new Uint8Array(readFileSync(zImage!)), { unpack: false, cache: false });
    const run = (policy: Parameters<typeof bootVirt>[0]['policy']) => bootVirt({ kernel, vcpus: 1, policy, bootargs: BOOTARGS, budget: BUDGET });
    const fwb = run('kvm:fwb');
    const bare = run(bareMetalFor('kvm:fwb'));
    expect(fwb.failure).toMatch(/^BudgetExceeded: .*\(PC 0x/);
    // The same instruction stream: the same PC at the same count.
    expect(fwb.failure).toBe(bare.failure);
    expect(fwb.instructions).toBe(BUDGET);
  }, 300_000);

  it('on a machine that contradicts FEAT_S2FWB (LoUU = 1), the jump fetches stale memory: the verdict says so, nothing escapes', async () => {
    const kernel = await placeKernel(new Uint8Array(readFileSync(zImage!)), { unpack: false, cache: false });
    const contradiction = { ...makePolicy('kvm:fwb'), machineCaches: undefined };
    const r = runBoot({ kernel, vcpus: 1, policy: contradiction, bootargs: BOOTARGS, budget: BUDGET });
    // Bare metal only ran out of budget: the subject's fault is not "the guest's own doing".
    expect(r.verdict!.guestFailure).toMatch(/^GuestError: vCPU 0 at PC 0x[0-9a-f]+: device access at IPA 0x[0-9a-f]+/);
    expect(r.verdict!.controlFlowCause).toBe('unexplained');
  }, 300_000);
});
