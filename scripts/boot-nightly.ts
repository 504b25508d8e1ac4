/**
 * `npm run nightly [-- --kernels armmp,arm64 --policies P,... --zimage --until REGEX --out FILE]`:
 * Debian's kernels booted whole on the virt platform under every policy, each judged against
 * the same boot on bare metal. passthrough runs without migration (it is the baseline that must
 * boot); every other policy with random migration (mean 20,000 instructions, seed 5). The armmp
 * kernel boots from its zImage with `--zimage` (the decompressor in the guest, ~2 G instructions
 * more) and from its unpacked Image otherwise. Too slow for `npm test` (about 2-5 minutes a boot
 * to the root-fs panic at ~3 M instructions/s, twice that with --zimage); `npm test` boots to
 * "smp: Brought up" under passthrough and xen only (test/platform/boot-linux*.test.ts).
 * Prints a table; exits 1 if any boot failed or any policy that claims safety lost data.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { makePolicy, POLICY_NAMES } from '../src/hyp/policies';
import { claimsSafetyFor } from '../src/hyp/policy';
import type { MigrationMode } from '../src/hyp/scheduler';
import { placeKernel } from '../src/platform/linux-boot';
import { runBoot } from '../src/scenarios/boot';
import { lostData } from '../src/scenarios/lockstep/verdict';

const { values } = parseArgs({
  options: {
    kernels: { type: 'string', default: 'armmp,arm64' },
    policies: { type: 'string' },
    zimage: { type: 'boolean', default: false },
    until: { type: 'string' },
    out: { type: 'string' },
  },
});
const APPEND = 'console=ttyAMA0 earlycon cryptomgr.notests';
const RANDOM: MigrationMode = { kind: 'random', meanInstructions: 20_000 };
const kernels = values.kernels.split(',');
const policies = values.policies?.split(',') ?? POLICY_NAMES;
for (const p of policies) makePolicy(p);
const until = values.until === undefined ? undefined : new RegExp(values.until);

interface Row {
  kernel: string;
  policy: string;
  migration: string;
  end: string;
  failure: string | null;
  instructions: number;
  wallS: number;
  traps: number;
  setWayOps: number;
  migrations: number;
  loadsCompared: number;
  staleReads: number;
  fresherReads: number;
  controlFlowDiverged: boolean;
  controlFlowCause: string | null;
  lostData: boolean;
  claimsSafety: boolean;
}

const rows: Row[] = [];
let bad = false;
for (const flavour of kernels) {
  const fetched = spawnSync('bash', ['scripts/fetch-linux-kernel.sh', flavour], { encoding: 'utf8' });
  if (fetched.status !== 0) {
    process.stderr.write(`nightly: cannot fetch the ${flavour} kernel: ${fetched.stderr.trim().split('\n').pop()}\n`);
    process.exit(2);
  }
  const path = fetched.stdout.trim().split('\n').pop()!;
  const kernel = await placeKernel(new Uint8Array(readFileSync(path)), { unpack: flavour === 'armmp' && !values.zimage });
  for (const name of policies) {
    const policy = makePolicy(name);
    const migration: MigrationMode = name === 'passthrough' ? { kind: 'never' } : RANDOM;
    const t0 = performance.now();
    const r = runBoot({ kernel, vcpus: 2, policy, migration, seed: 5, bootargs: APPEND, until, budget: 4_000_000_000 });
    const v = r.verdict!;
    const row: Row = {
      kernel: `${flavour} ${kernel.kind}`,
      policy: name,
      migration: migration.kind,
      end: r.end,
      failure: r.failure,
      instructions: r.instructions,
      wallS: (performance.now() - t0) / 1000,
      traps: r.machine.cost.traps,
      setWayOps: r.machine.cost.setWayOps,
      migrations: r.machine.cost.migrations,
      loadsCompared: v.loadsCompared,
      staleReads: v.staleReads,
      fresherReads: v.fresherReads,
      controlFlowDiverged: v.controlFlowDiverged,
      controlFlowCause: v.controlFlowCause,
      lostData: lostData({ dataLost: v.staleReads + v.dataDestroyed, controlFlowCause: v.controlFlowCause, guestFailure: v.guestFailure }),
      claimsSafety: claimsSafetyFor(policy, kernel.isa),
    };
    rows.push(row);
    if (row.failure !== null && name === 'passthrough') bad = true;
    if (row.lostData && row.claimsSafety) bad = true;
    process.stdout.write(
      `${row.kernel.padEnd(20)} ${name.padEnd(12)} ${row.migration.padEnd(7)} ${(row.instructions / 1e6).toFixed(0).padStart(6)} M insn ${row.wallS.toFixed(0).padStart(5)} s  ` +
        `traps ${String(row.traps).padStart(7)}  S/W ${String(row.setWayOps).padStart(6)}  loads ${(row.loadsCompared / 1e6).toFixed(1)} M${row.controlFlowDiverged ? ' (diverged)' : ''}  ` +
        `${row.lostData ? `DATA LOST (${row.staleReads} stale, ${row.controlFlowCause ?? 'no'} divergence)` : `no loss (${row.fresherReads} newer reads)`}  ${row.failure ?? row.end}\n`,
    );
  }
}
if (values.out !== undefined) writeFileSync(values.out, `${JSON.stringify(rows, null, 2)}\n`);
process.exit(bad ? 1 : 0);
