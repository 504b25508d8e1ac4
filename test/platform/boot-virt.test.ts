/**
 * The virt platform end to end with a small A64 guest of our own (no kernel needed): it prints
 * through the PL011 (emulated MMIO), programs the GICv2 and its virtual timer, sleeps in WFI
 * until the timer's PPI 27 arrives, acknowledges and ends it at the GIC CPU interface, starts a
 * second vCPU with PSCI CPU_ON that prints too, and powers off with SYSTEM_OFF.
 */
import { describe, expect, it } from 'vitest';
import { bootVirt } from '../../src/platform/virt-machine';
import { assembleWords } from '../oracles/llvm-mc';
import { LLVM_MC, oraclesAvailable } from '../oracles/tools';

const GUEST = `
  .equ UART, 0x09000000
  .equ GICD, 0x08000000
  .equ GICC, 0x08010000
_start:
  ldr x19, =UART
  adr x0, hello
  bl puts
  adr x0, vectors
  msr vbar_el1, x0
  isb
  ldr x1, =GICD
  mov w2, #1
  str w2, [x1]                 // GICD_CTLR: forward interrupts
  mov w2, #(1 << 27)
  str w2, [x1, #0x100]         // GICD_ISENABLER0: PPI 27, the virtual timer
  ldr x1, =GICC
  mov w2, #0xff
  str w2, [x1, #4]             // GICC_PMR: let every priority through
  mov w2, #1
  str w2, [x1]                 // GICC_CTLR: signal to the CPU
  mov x2, #1000
  msr cntv_tval_el0, x2        // fire in 1000 ticks (16 us at 62.5 MHz)
  mov x2, #1
  msr cntv_ctl_el0, x2
  mov x20, #0
  msr daifclr, #2              // unmask IRQ
1:wfi
  cbz x20, 1b
  msr daifset, #2
  adr x0, ticked
  bl puts
  // CPU_ON(1, secondary, 0)
  movz x0, #0x0003
  movk x0, #0xc400, lsl #16
  mov x1, #1
  adr x2, secondary
  mov x3, #0
  hvc #0
2:ldr w3, done
  cbz w3, 2b
  movz x0, #0x0008             // SYSTEM_OFF
  movk x0, #0x8400, lsl #16
  hvc #0
3:b 3b

secondary:
  ldr x19, =UART
  adr x0, second
  bl puts
  mov w3, #1
  adr x4, done
  str w3, [x4]
4:wfi
  b 4b

puts:                          // x0: NUL-terminated string, x19: UART
  ldrb w1, [x0], #1
  cbz w1, 5f
  str w1, [x19]                // UARTDR
  b puts
5:ret

irq:
  ldr x1, =GICC
  ldr w21, [x1, #0xc]          // GICC_IAR: the interrupt's ID
  msr cntv_ctl_el0, xzr        // stop the timer, so its level drops
  str w21, [x1, #0x10]         // GICC_EOIR
  mov x20, #1
  eret

  .ltorg
hello: .asciz "hello\\n"
ticked: .asciz "tick\\n"
second: .asciz "cpu1\\n"
  .balign 4
done: .word 0
  .balign 2048
vectors:
  .space 0x280
  b irq                        // IRQ from EL1h (VBAR_EL1 + 0x280)
`;

describe.skipIf(!oraclesAvailable('virt platform guest', LLVM_MC))('virt platform, our own guest', () => {
  it('prints, takes the virtual timer interrupt through the GIC, starts vCPU 1 with PSCI and powers off', () => {
    const words = assembleWords(GUEST, 'a64');
    const bytes = new Uint8Array(words.buffer);
    const r = bootVirt({ kernel: { kind: 'Image (arm64)', isa: 'a64', loadAddress: 0x4008_0000, entry: 0x4008_0000, bytes }, vcpus: 2, policy: 'xen', ramBytes: 64 * 2 ** 20, budget: 5_000_000 });
    expect(r.failure).toBeNull();
    expect(r.end).toBe('system-off');
    expect(r.console).toBe('hello\ntick\ncpu1\n');
    const c = r.machine.cost;
    expect(c.trapsByClass[0x24]).toBe(c.mmioAccesses); // every device access is a stage-2 data abort
    expect(c.mmioAccesses).toBeGreaterThan(15);
    expect(Object.keys(r.deviceAccesses)).toEqual(expect.arrayContaining(['pl011']));
    expect([...r.psciCalls.keys()].sort()).toEqual(['CPU_ON', 'SYSTEM_OFF']);
    // The timer fired 1000 ticks (16 us) after it was set: virtual time went at least that far.
    expect(r.timeNs).toBeGreaterThanOrEqual(16_000);
    expect(r.instructionsPerVcpu[1]).toBeGreaterThan(0);
    expect(r.unmapped.size).toBe(0);
  });
});
