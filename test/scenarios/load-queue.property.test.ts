/**
 * The load rings (src/scenarios/lockstep/load-queue.ts) against a plain array model: any mix of
 * pushes, shifts and pops, across compactions and growths, keeps every column of every load
 * together and in order (the subject's four extra columns included).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SubjectLoadQueue } from '../../src/scenarios/lockstep/subject-loads';

type Row = [va: number, pa: number, size: number, value: number, latest: number, instructions: number, pc: number, seq: number];

const op = fc.oneof(
  { arbitrary: fc.constant('shift' as const), weight: 3 },
  { arbitrary: fc.constant('pop' as const), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 600 }).map((n) => ({ push: n })), weight: 4 },
);

describe('SubjectLoadQueue', () => {
  it('keeps every column of every load together through compaction and growth', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const q = new SubjectLoadQueue();
        const model: Row[] = [];
        let n = 0;
        for (const o of ops) {
          if (o === 'shift' || o === 'pop') {
            if (model.length === 0) continue;
            if (o === 'shift') {
              q.shift();
              model.shift();
            } else {
              q.pop();
              model.pop();
            }
            continue;
          }
          for (let k = 0; k < o.push; k++, n++) {
            const row: Row = [n * 4, 2 ** 40 + n, 1 + (n % 4), (n * 2654435761) >>> 0, n ^ 0xffff, n * 3, 0x4000_0000 + n * 4, n];
            q.record(...row);
            model.push(row);
          }
        }
        expect(q.length).toBe(model.length);
        model.forEach((row, i) => {
          const at = q.head + i;
          expect([q.va[at], q.pa[at], q.size[at], q.value[at], q.latest[at], q.instructions[at], q.pc[at], q.seq[at]]).toEqual(row);
        });
      }),
      { numRuns: 200, seed: 0x10ad },
    );
  });
});
