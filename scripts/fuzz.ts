/**
 * `npm run fuzz [-- --programs N --seed S --isa a32,t32,a64]`: random guests (test/fuzz/guest-fuzz.ts)
 * run as `setway run` runs a raw image; prints, per ISA, programs run and how they ended (a result,
 * or a typed error by kind), and every program that would exit 70 (a bug in setway) with its code.
 * Exits 1 if any did. Default 100,000 programs split over the ISAs; `npm test` runs a bounded
 * number of the same (test/fuzz/guest-fuzz.test.ts).
 */
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import { describeProgram, fuzzProgramArb, runFuzzProgram, type FuzzIsa } from '../test/fuzz/guest-fuzz';

const { values } = parseArgs({ options: { programs: { type: 'string', default: '100000' }, seed: { type: 'string', default: '1' }, isa: { type: 'string', default: 'a32,t32,a64' } } });
const programs = Number(values.programs);
const seed = Number(values.seed);
const isas = values.isa.split(',') as FuzzIsa[];
if (!Number.isInteger(programs) || programs <= 0 || !Number.isInteger(seed) || isas.some((i) => !['a32', 't32', 'a64'].includes(i))) {
  process.stderr.write('fuzz: --programs and --seed must be integers (programs > 0), --isa a list of a32, t32, a64\n');
  process.exit(2);
}

const BATCH = 1000;
let crashes = 0;
for (const [n, isa] of isas.entries()) {
  const share = Math.floor(programs / isas.length) + (n < programs % isas.length ? 1 : 0);
  const kinds = new Map<string, number>();
  const t0 = performance.now();
  for (let done = 0, batch = 0; done < share; batch++) {
    const size = Math.min(BATCH, share - done);
    for (const p of fc.sample(fuzzProgramArb(isa), { numRuns: size, seed: seed * 7919 + batch })) {
      const o = runFuzzProgram(p);
      const kind = o.exitCode === 70 ? `${o.kind} (exit 70)` : o.kind;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      if (o.exitCode === 70) {
        crashes++;
        process.stdout.write(`  exit 70: ${o.message}\n    ${describeProgram(p)}\n`);
      }
    }
    done += size;
  }
  const seconds = (performance.now() - t0) / 1000;
  const list = [...kinds].sort((a, b) => b[1] - a[1]).map(([k, c]) => `${k} ${c}`).join(', ');
  process.stdout.write(`${isa}: ${share} programs in ${seconds.toFixed(0)} s: ${list}\n`);
}
process.stdout.write(`exit-70 runs: ${crashes}\n`);
process.exit(crashes === 0 ? 0 : 1);
