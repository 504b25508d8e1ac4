/**
 * Acceptance: Linux 6.1's own v7 cache routines, unmodified, taken from Debian's armmp kernel,
 * run instruction by instruction on the cubietruck preset (2 x Cortex-A7: private 32 KB L1D,
 * shared 256 KB L2; CLIDR LoUIS 1, LoC 2) under every set/way policy, with and without vCPU
 * migration. Checked per run: the S/W operand sequence against the geometry the guest reads, the
 * S/W op, where the routine's dirty data ends up (linesNotAtPoC, the caches), and the verdict
 * against the same routine on bare metal (staleReads, lostData). Where the routine itself leaves
 * memory stale on bare metal (the PoU routines, v7_invalidate_l1), stale memory is no loss: the
 * guest reads what it reads there. Skipped with a message where apt cannot fetch the kernel,
 * except under CI, where that is a failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HCR } from '../../src/exec/el2-gate';
import type { CacheIdentification } from '../../src/exec/system-port';
import { setWayOperands } from '../../src/hyp/set-way-sweep';
import { formatMigrationMode, type MigrationMode } from '../../src/hyp/scheduler';
import { makePolicy, POLICY_NAMES } from '../../src/hyp/policies/index';
import { BARE_METAL_POLICY, bareMetalFor } from '../../src/hyp/policies/bare-metal';
import { MINIMAL_CACHE_ID } from '../../src/hyp/policies/dirty';
import { KVM_63_CACHE_ID } from '../../src/hyp/policies/kvm-63';
import { loadLinuxKernel, type LinuxKernelImage } from '../../src/linux/load-kernel';
import { lostData } from '../../src/scenarios/lockstep/verdict';
import { disassembleA32, llvmMcAvailable } from './llvm-mc';
import {
  dirtyHoldersOfLostLines,
  expectedWalkOperands,
  LINUX_V7_ROUTINES,
  runLinuxRoutine,
  SHIM_TEXT,
  SHIM_WORDS,
  type LinuxRoutine,
  type RoutineRun,
} from './linux-routine-run';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fetch = spawnSync('bash', [join(root, 'scripts', 'fetch-linux-kernel.sh')], { encoding: 'utf8', timeout: 300_000 });
const kernelPath = fetch.status === 0 ? fetch.stdout.trim().split('\n').pop()! : undefined;
const why = `fetch-linux-kernel.sh exited ${fetch.status ?? fetch.signal}: ${(fetch.stderr || fetch.error?.message || '').trim().split('\n').pop()}`;

/**
 * What each policy does with a S/W op, which decides the expected outcome:
 * - untrapped: the op runs on whichever pCPU the vCPU is on (no TSW);
 * - pinned: untrapped, but no migration while caches are off or a S/W loop runs;
 * - local-then-lazy (KVM 2013): trapped, run on the current pCPU, other pCPUs flushed only when
 *   the vCPU next runs there;
 * - flush-to-poc: trapped, and the hypervisor cleans the guest's memory by address to PoC;
 * - stranded-to-poc (the oracle): trapped, the op runs on the current pCPU (DCISW as DCCISW), and
 *   only the lines migrations stranded where this pCPU's S/W ops cannot reach are cleaned by
 *   address to PoC: without migration, exactly what the walk leaves on bare metal.
 */
type PolicyClass = 'untrapped' | 'pinned' | 'local-then-lazy' | 'flush-to-poc' | 'stranded-to-poc';
const POLICY_CLASS: Readonly<Record<string, PolicyClass>> = {
  passthrough: 'untrapped',
  'passthrough:swio': 'untrapped',
  pin: 'pinned',
  'pin:swio': 'pinned',
  'kvm-2013': 'local-then-lazy',
  kvm: 'flush-to-poc',
  'kvm-6.3': 'flush-to-poc',
  xen: 'flush-to-poc',
  jailhouse: 'flush-to-poc',
  misconfig: 'flush-to-poc',
  dirty: 'flush-to-poc',
  'dirty:dbm': 'flush-to-poc',
  'dirty:tid2': 'flush-to-poc',
  oracle: 'stranded-to-poc',
};
const POLICIES = Object.keys(POLICY_CLASS);

/** Migration right after the 256th S/W op: half-way through the 512 operands of the L1D walk. */
const MID_L1: MigrationMode = { kind: 'after-setway', k: 256 };
const RANDOM: MigrationMode = { kind: 'random', meanInstructions: 500 };
const RANDOM_SEEDS = [1, 2] as const;
const BUFFER_BYTES = 64 * 1024;
const LINE_WORDS = 64 / 4;

interface SummaryRow {
  readonly routine: string;
  readonly policy: string;
  readonly migration: string;
  readonly notAtPoC: number;
  readonly staleReads: number;
  readonly ops: string;
  readonly migrations: number;
  readonly discarded: number;
}

if (kernelPath === undefined && !process.env.CI) {
  describe('Linux v7 cache routines on cubietruck (acceptance)', () => {
    it.skip(`skipped: ${why}`, () => {});
  });
} else {
  describe('Linux v7 cache routines on cubietruck (acceptance)', () => {
    let kernel: LinuxKernelImage;
    const summary: SummaryRow[] = [];

    beforeAll(async () => {
      expect(kernelPath, why).toBeDefined();
      kernel = await loadLinuxKernel(new Uint8Array(readFileSync(kernelPath!)));
    }, 120_000);

    afterAll(() => {
      if (summary.length === 0) return;
      const lines = summary.map(
        (r) =>
          `${r.routine.padEnd(26)} ${r.policy.padEnd(17)} ${r.migration.padEnd(14)} not at PoC ${String(r.notAtPoC).padStart(4)}/${BUFFER_BYTES / 64}  ` +
          `stale reads ${String(r.staleReads).padStart(5)}  ` +
          `S/W ${r.ops.padEnd(16)} migrations ${String(r.migrations).padStart(3)}  discarded ${r.discarded}`,
      );
      console.log(`Linux v7 routines on cubietruck, ${BUFFER_BYTES / 1024} KiB buffer:\n${lines.join('\n')}`);
    });

    /** Run and record one row of the summary. */
    const run = (routine: LinuxRoutine, policy: string, migration: MigrationMode = { kind: 'never' }, seed = 1): RoutineRun => {
      const r = runLinuxRoutine(kernel, routine, { policy, migration, seed, bufferBytes: BUFFER_BYTES });
      const counts = new Map<string, number>();
      for (const e of r.result.setWayLog ?? []) {
        const key = `${e.op}${e.trapped ? '(T)' : ''}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      summary.push({
        routine: routine.name,
        policy,
        migration: `${formatMigrationMode(migration)}${migration.kind === 'random' ? ` s${seed}` : ''}`,
        notAtPoC: r.result.linesNotAtPoC,
        staleReads: r.result.staleReads,
        ops: [...counts].map(([k, n]) => `${k}=${n}`).join(','),
        migrations: r.result.migrations,
        discarded: r.result.dirtyDiscarded,
      });
      return r;
    };

    /** The geometry the guest reads: the policy's virtual one when it traps the ID registers (HCR.TID2). */
    const guestGeometry = (policy: string, r: RoutineRun): Pick<CacheIdentification, 'clidr' | 'ccsidr'> =>
      (makePolicy(policy).resetHcr() & HCR.TID2) !== 0
        ? policy === 'kvm-6.3'
          ? KVM_63_CACHE_ID
          : MINIMAL_CACHE_ID
        : { clidr: () => r.machine.caches.clidr(0), ccsidr: (csselr) => r.machine.caches.ccsidr(0, csselr) };

    /** The S/W op the log should show: the guest's own when trapped; DCISW as performed under HCR.VM when not. */
    const loggedOp = (routine: LinuxRoutine, policy: string): string => {
      const trapped = (makePolicy(policy).resetHcr() & HCR.TSW) !== 0;
      // DC ISW / DCISW: an EL1 invalidate by set/way with HCR_EL2.VM (set by the machine for
      // every policy here) performs a clean and invalidate (D7.5.9, D17 "HCR_EL2" SWIO/VM).
      return routine.op === 'isw' && !trapped ? 'cisw' : routine.op;
    };

    const checkSetWayLog = (routine: LinuxRoutine, policy: string, r: RoutineRun): void => {
      const log = r.result.setWayLog ?? [];
      const expected = expectedWalkOperands(guestGeometry(policy, r), routine.limit);
      expect(log.map((e) => e.operand), `${routine.name} under ${policy}: operand sequence`).toEqual(expected);
      const trapped = POLICY_CLASS[policy] !== 'untrapped' && POLICY_CLASS[policy] !== 'pinned';
      const op = loggedOp(routine, policy);
      expect(log.every((e) => e.op === op && e.trapped === trapped), `${routine.name} under ${policy}: every op ${op}, trapped ${trapped}`).toBe(true);
      expect(r.result.setWayOps).toBe(expected.length);
      expect(r.result.setWayOpsTrapped).toBe(trapped ? expected.length : 0);
    };

    /** The guest's own uncached read-back and the host's check of memory must agree (16 words a line). */
    const checkObserversAgree = (r: RoutineRun): void => {
      expect(r.result.guestMismatchedWords).toBe(r.result.linesNotAtPoC * LINE_WORDS);
    };

    it('classifies every registered policy', () => {
      const bases = new Set(POLICIES.map((p) => p.split(':')[0]));
      expect([...POLICY_NAMES].sort()).toEqual([...bases].sort());
      for (const p of POLICIES) expect(makePolicy(p).name).toBe(p);
    });

    it.skipIf(!llvmMcAvailable())('the register-preserving shim is what llvm-mc says it is', () => {
      expect(disassembleA32(SHIM_WORDS)).toEqual(SHIM_TEXT);
    });

    it('the expected walk agrees with the hypervisor sweep on the real geometry, and the tid2 walk is one op', () => {
      const r = run(LINUX_V7_ROUTINES[0], 'kvm');
      const geometry = guestGeometry('kvm', r);
      expect(expectedWalkOperands(geometry, 'loc')).toEqual(setWayOperands(r.machine.caches, 0, 'loc'));
      expect(expectedWalkOperands(geometry, 'louis')).toEqual(setWayOperands(r.machine.caches, 0, 'louis'));
      expect(expectedWalkOperands(geometry, 1)).toEqual(setWayOperands(r.machine.caches, 0, 1));
      // L1D 128 sets x 4 ways, L2 512 sets x 8 ways (Cortex-A7 TRM values of the preset).
      expect(expectedWalkOperands(geometry, 'loc')).toHaveLength(128 * 4 + 512 * 8);
      expect(expectedWalkOperands(MINIMAL_CACHE_ID, 'loc')).toEqual([0]);
    });

    for (const routine of LINUX_V7_ROUTINES) {
      describe(routine.name, () => {
        it('without migration: the walk matches the geometry, and the data lands where the routine promises', () => {
          for (const policy of POLICIES) {
            const r = run(routine, policy);
            checkSetWayLog(routine, policy, r);
            checkObserversAgree(r);
            expect(r.result.migrations).toBe(0);
            const cls = POLICY_CLASS[policy];
            const where = dirtyHoldersOfLostLines(r);
            expect(where.lost, `${policy}: lines not at PoC seen in the caches`).toBe(r.result.linesNotAtPoC);
            // Without migration every policy shows the guest what bare metal shows it.
            expect(lostData(r.result), `${routine.name} under ${policy}: ${r.result.firstDivergence?.text}`).toBe(false);
            if (cls === 'flush-to-poc' || routine.promise === 'poc') {
              // A walk to LoC on one pCPU, or the hypervisor's clean by address to PoC: all in memory.
              expect(r.result.linesNotAtPoC, `${routine.name} under ${policy}`).toBe(0);
              if (routine.promise === 'pou' && bareMetalFor(policy) === BARE_METAL_POLICY) {
                // Bare metal leaves the lines in L2: the guest reads newer data than there (no loss).
                expect(r.result.fresherReads, `${routine.name} under ${policy}: reads newer than bare metal`).toBeGreaterThan(0);
              } else if (routine.promise === 'pou') {
                // The hardware the guest is shown (TID2) has one level of one line, LoUIS = LoC: bare
                // metal's clean to the PoU reaches memory too; only the line its invalidate discards is older there.
                expect(r.result.fresherReads, `${routine.name} under ${policy}: reads as bare metal on the caches shown`).toBeLessThanOrEqual(64 / 4);
              }
            } else {
              // The walk cleans only to the PoU (L2 here); nothing forces L2 to memory. Memory is
              // stale, as on bare metal, where the guest reads the same stale words (no loss, above).
              expect(r.result.linesNotAtPoC, `${routine.name} under ${policy}`).toBe(r.result.bufferLines);
              expect([...where.dirtyIn], `${routine.name} under ${policy}: stale lines are dirty in L2 only`).toEqual([['cluster0.L2', r.result.bufferLines]]);
              expect(r.result.fresherReads, `${routine.name} under ${policy}`).toBe(0);
            }
            expect(r.result.dirtyDiscarded, `${routine.name} under ${policy}: HCR.VM turns DCISW into a clean`).toBe(0);
          }
        }, 120_000);

        it('with migration in the middle of the L1 walk and at random points', () => {
          for (const policy of POLICIES) {
            const cls = POLICY_CLASS[policy];
            const mid = run(routine, policy, MID_L1);
            checkSetWayLog(routine, policy, mid);
            checkObserversAgree(mid);
            const log = mid.result.setWayLog ?? [];
            const walkIsLong = log.length > MID_L1.k; // dirty:tid2's one-op walk never reaches op 256
            const midLost = dirtyHoldersOfLostLines(mid);
            expect(midLost.lost).toBe(mid.result.linesNotAtPoC);
            if (cls === 'pinned' || !walkIsLong) {
              expect(mid.result.migrations, `${policy}: no migration mid-walk`).toBe(0);
            } else {
              expect(mid.result.migrations).toBe(1);
              expect([log[MID_L1.k - 1].pcpu, log[MID_L1.k].pcpu], `${policy}: the walk moves pCPU after op ${MID_L1.k}`).toEqual([0, 1]);
            }
            const randomRuns = RANDOM_SEEDS.map((seed) => run(routine, policy, RANDOM, seed));
            for (const r of randomRuns) {
              checkSetWayLog(routine, policy, r);
              checkObserversAgree(r);
              expect(r.result.migrations, `${policy}: random mode migrates`).toBeGreaterThan(0);
            }

            const runs = [mid, ...randomRuns];
            if (cls === 'flush-to-poc') {
              expect(runs.map((r) => r.result.linesNotAtPoC), `${routine.name} under ${policy}`).toEqual([0, 0, 0]);
              expect(runs.map((r) => lostData(r.result)), `${routine.name} under ${policy}`).toEqual([false, false, false]);
            } else if (cls === 'stranded-to-poc') {
              // What bare metal's walk leaves, plus the stranded lines in memory: never a loss, and
              // whatever memory still lacks is dirty in L2 (a PoU routine's promise), never in an L1D.
              expect(runs.map((r) => lostData(r.result)), `${routine.name} under ${policy}`).toEqual([false, false, false]);
              for (const r of runs) {
                if (routine.promise === 'poc') expect(r.result.linesNotAtPoC, `${routine.name} under ${policy}`).toBe(0);
                expect([...dirtyHoldersOfLostLines(r).dirtyIn.keys()].filter((k) => k !== 'cluster0.L2'), `${routine.name} under ${policy}`).toEqual([]);
              }
            } else if (routine.promise === 'pou' && cls !== 'local-then-lazy') {
              // Nothing cleans L2: memory is stale for every line whatever the migrations...
              expect(runs.map((r) => r.result.linesNotAtPoC), `${routine.name} under ${policy}`).toEqual([1024, 1024, 1024]);
              // ...as it is on bare metal, where the guest reads the same stale memory: the routine
              // never promised more, so no migration makes the guest lose anything.
              expect(runs.map((r) => lostData(r.result)), `${routine.name} under ${policy}`).toEqual([false, false, false]);
            } else if (cls === 'untrapped') {
              // The half of pCPU 0's L1D not yet walked stays dirty there: pCPU 1 walks its own.
              expect(mid.result.linesNotAtPoC, `${routine.name} under ${policy}, mid-L1 migration`).toBeGreaterThan(0);
              expect([...midLost.dirtyIn]).toEqual([['cpu0.L1D', mid.result.linesNotAtPoC]]);
              // Bare metal has every line in memory: each word of a line left behind reads stale.
              expect(mid.result.staleReads, `${routine.name} under ${policy}, mid-L1 migration`).toBe(mid.result.linesNotAtPoC * LINE_WORDS);
              for (const r of randomRuns) expect(r.result.staleReads, `${routine.name} under ${policy}, random`).toBeGreaterThan(0);
            } else if (cls === 'pinned') {
              // No migration during the walk, but lines dirtied on a pCPU left before it began are lost.
              expect(lostData(mid.result)).toBe(false);
              expect(mid.result.linesNotAtPoC).toBe(0);
              for (const r of randomRuns) {
                const walkPcpus = new Set((r.result.setWayLog ?? []).map((e) => e.pcpu));
                expect(walkPcpus.size, `${policy}: the walk runs on one pCPU`).toBe(1);
                const where = dirtyHoldersOfLostLines(r);
                expect(r.result.staleReads).toBeGreaterThan(0);
                expect(r.result.linesNotAtPoC).toBeGreaterThan(0);
                const walkedL1 = `cpu${[...walkPcpus][0]}.L1D`;
                expect([...where.dirtyIn.keys()], `${policy}: lost lines sit in the other pCPU's L1D`).not.toContain(walkedL1);
                expect([...where.dirtyIn.keys()].every((k) => k.endsWith('.L1D'))).toBe(true);
              }
            } else {
              // KVM 2013: the op runs where the vCPU is; the pCPU it left is flushed only when the
              // vCPU returns there, which a single move mid-walk never does.
              expect(mid.result.linesNotAtPoC, `${routine.name} under ${policy}, mid-L1 migration`).toBeGreaterThan(0);
              expect([...midLost.dirtyIn]).toEqual([['cpu0.L1D', mid.result.linesNotAtPoC]]);
              if (routine.promise === 'poc') {
                expect(mid.result.staleReads, `${routine.name} under ${policy}, mid-L1 migration`).toBeGreaterThan(0);
              } else {
                // A PoU routine leaves all of memory stale on bare metal (kvm-2013's flushes even
                // cleaned some lines to it): the guest loses nothing it would have had there.
                expect(lostData(mid.result), `${routine.name} under ${policy}, mid-L1 migration`).toBe(false);
              }
            }
          }
        }, 120_000);
      });
    }

    it('v7_invalidate_l1 issues DCISW: without stage 2 (HCR.VM clear) it discards dirty L1 lines', () => {
      const routine = LINUX_V7_ROUTINES.find((r) => r.name === 'v7_invalidate_l1')!;
      // With HCR.VM the hardware performs the guest's DCISW as DCCISW (D7.5.9): the L1D lines are
      // written to L2 and none is discarded (the runs above). passthrough:novm runs without stage 2,
      // so HCR.{VM,SWIO,DC} are all clear and the invalidate is a real one.
      const r = run(routine, 'passthrough:novm');
      const log = r.result.setWayLog ?? [];
      expect(log.every((e) => e.op === 'isw' && !e.trapped)).toBe(true);
      expect(log.map((e) => e.operand)).toEqual(expectedWalkOperands(guestGeometry('passthrough', r), 1));
      checkObserversAgree(r);
      expect(r.result.linesNotAtPoC).toBe(r.result.bufferLines);
      // passthrough:novm is the bare-metal reference itself: the guest sees what bare metal shows
      // it and destroys what bare metal destroys, so the verdict is clean.
      expect([r.result.staleReads, r.result.dataDestroyed, r.result.fresherReads]).toEqual([0, 0, 0]);
      // Every dirty line of the 32 KiB L1D (512 lines, all buffer) is dropped without write-back;
      // the buffer's other 512 lines were evicted to L2 earlier and stay dirty there.
      expect(r.result.dirtyDiscarded).toBe(512);
      const where = dirtyHoldersOfLostLines(r);
      expect([...where.dirtyIn]).toEqual([['cluster0.L2', 512]]);
      // The trapping policies see the guest's DCISW in the syndrome and lose nothing (above).
      const kvm = run(routine, 'kvm');
      expect((kvm.result.setWayLog ?? []).every((e) => e.op === 'isw' && e.trapped)).toBe(true);
      expect(kvm.result.linesNotAtPoC).toBe(0);
      // kvm cleans by address to PoC where bare metal discards or leaves lines in L2: newer data, no loss.
      expect(lostData(kvm.result)).toBe(false);
      expect(kvm.result.fresherReads).toBeGreaterThan(0);
    }, 60_000);
  });
}
