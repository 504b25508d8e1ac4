/**
 * Data-processing instructions that write the PC (Arm ARM F5 "MOV, MOVS (register)", "SUBS PC, LR
 * and related instructions"): without S a branch (ALUWritePC) that leaves CPSR alone; with S an
 * exception return, UNPREDICTABLE in User and System mode, where setway takes the UNDEFINED choice.
 * Found by mutation testing (src/exec/a32/handlers-alu.ts): both conditions survived every test.
 */
import { describe, expect, it } from 'vitest';
import { GuestException, Mode } from '../../src/exec/a32/index';
import { CODE, fixture } from './harness';

describe('A32 data-processing writes to the PC', () => {
  // [instruction, register holding the target, mode after]: SPSR_svc holds User mode.
  const writes = [
    ['mov pc, r1', 1, Mode.SVC, 'MOV PC, Rm without S branches and keeps CPSR, whatever SPSR holds'],
    ['movs pc, lr', 14, Mode.USR, 'MOVS PC, LR in SVC mode returns: CPSR from SPSR_svc'],
  ] as const;
  for (const [source, target, after, title] of writes) {
    it(title, () => {
      const { cpu } = fixture(source);
      cpu.cpsr = Mode.SVC;
      cpu.setSpsr(Mode.USR);
      cpu.r[target] = CODE + 0x40;
      cpu.step();
      expect(cpu.pc).toBe(CODE + 0x40);
      expect(cpu.mode).toBe(after);
    });
  }

  for (const [name, mode] of [['System', Mode.SYS], ['User', Mode.USR]] as const) {
    it(`SUBS PC, LR in ${name} mode is UNDEFINED (no SPSR to return with)`, () => {
      const { cpu } = fixture('subs pc, lr, #0');
      cpu.cpsr = mode;
      cpu.r[14] = CODE + 0x40;
      cpu.exceptionPolicy = 'stop';
      let caught: unknown;
      try {
        cpu.step();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(GuestException);
      expect((caught as GuestException).kind).toBe('undefined');
      expect((caught as GuestException).detail).toBe('exception return from User or System mode');
      expect(cpu.mode).toBe(mode);
    });
  }
});
