/**
 * `npm run soak [-- --schedules N --seed S]`: the verdict property at scale. For every policy,
 * N (default 10,000) random well-behaved guests from src/scenarios/script-arbitrary.ts, each under
 * a random migration schedule on a random preset, judged against bare metal. Prints, per policy,
 * schedules tried and losing with a 95% interval; exits 1 (and prints a replay) if a policy that
 * claims safety loses even once. Not part of `npm test` (hours at the default); `npm test` runs a
 * bounded number of the same cases (test/hyp/verdict.property.test.ts).
 */
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import { makePolicy, POLICY_NAMES } from '../src/hyp/policies';
import { claimsSafetyFor } from '../src/hyp/policy';
import { formatMigrationMode, type MigrationMode } from '../src/hyp/scheduler';
import { wilsonInterval } from '../src/scenarios/confidence-interval';
import { BareMetalRuns } from '../src/scenarios/lockstep/bare-metal-runs';
import { lostData } from '../src/scenarios/lockstep/verdict';
import { scriptGuestArb } from '../src/scenarios/script-arbitrary';
import { runScriptGuest } from '../src/scenarios/script-guest';

const { values } = parseArgs({ options: { schedules: { type: 'string', default: '10000' }, seed: { type: 'string', default: '1' }, policies: { type: 'string' } } });
const schedules = Number(values.schedules);
const seed = Number(values.seed);
if (!Number.isInteger(schedules) || schedules <= 0 || !Number.isInteger(seed)) {
  process.stderr.write('soak: --schedules and --seed must be integers (schedules > 0)\n');
  process.exit(2);
}
const policies = values.policies?.split(',') ?? [...POLICY_NAMES, 'dirty:dbm', 'dirty:tid2'];
for (const p of policies) makePolicy(p);

const scheduleArb: fc.Arbitrary<MigrationMode> = fc.oneof(
  fc.integer({ min: 50, max: 50_000 }).map((n) => ({ kind: 'random' as const, meanInstructions: n })),
  fc.integer({ min: 4, max: 64 }).map((n) => ({ kind: 'adversarial' as const, instructions: n })),
  fc.integer({ min: 20, max: 5000 }).map((n) => ({ kind: 'every' as const, instructions: n })),
);
const caseArb = fc.record({ script: scriptGuestArb(), migration: scheduleArb, seed: fc.integer({ min: 1, max: 1e6 }), preset: fc.constantFrom('cubietruck', 'server') });

// Guests are drawn once and shared by every policy (one bare-metal recording per guest).
const GUESTS_PER_BATCH = 50;
const tally = new Map(policies.map((p) => [p, { runs: 0, losing: 0 }]));
let failed = false;
const t0 = Date.now();
for (let done = 0; done < schedules; done += GUESTS_PER_BATCH) {
  const cases = fc.sample(caseArb, { numRuns: Math.min(GUESTS_PER_BATCH, schedules - done), seed: seed + done });
  for (const c of cases) {
    const bareMetal = new BareMetalRuns();
    for (const policy of policies) {
      const r = runScriptGuest({ ...c, policy, bareMetal });
      const t = tally.get(policy)!;
      t.runs++;
      if (!lostData(r)) continue;
      t.losing++;
      // Script guests are AArch64.
      if (claimsSafetyFor(makePolicy(policy), 'a64')) {
        failed = true;
        process.stdout.write(`\n${policy} claims safety and lost: ${r.firstDivergence?.text ?? 'data destroyed'}\n  schedule ${formatMigrationMode(c.migration)} seed ${c.seed} preset ${c.preset}\n  script ${JSON.stringify(c.script)}\n`);
      }
    }
  }
  process.stderr.write(`\r${Math.min(done + GUESTS_PER_BATCH, schedules)}/${schedules} guests, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
process.stderr.write('\n');
process.stdout.write(`\nsoak: ${schedules} random guests and schedules per policy (seed ${seed}), ${((Date.now() - t0) / 1000).toFixed(0)} s\n\n`);
process.stdout.write('policy       claims safety  schedules  losing  losing fraction [95% CI]\n');
for (const [policy, t] of tally) {
  const { low, high } = wilsonInterval(t.losing, t.runs);
  process.stdout.write(`${policy.padEnd(12)} ${(claimsSafetyFor(makePolicy(policy), 'a64') ? 'yes' : 'no').padEnd(14)} ${String(t.runs).padStart(9)} ${String(t.losing).padStart(7)}  ${(t.losing / t.runs).toFixed(4)} [${low.toFixed(4)}, ${high.toFixed(4)}]\n`);
}
process.exit(failed ? 1 : 0);
