// A guest for the virt platform, in an arm64 Image wrapper so `setway boot --kernel` takes it
// (Documentation/arch/arm64/booting.rst header: branch, text_offset, image_size, flags, magic
// "ARM\x64" at 0x38). Position independent: adr for code and data, literals only for device
// addresses. It prints through the PL011, programs the GICv2 and the virtual timer, sleeps in WFI
// until PPI 27 arrives, acknowledges and ends it at the GIC CPU interface, starts vCPU 1 with PSCI
// CPU_ON (which prints too) and powers off with PSCI SYSTEM_OFF.
//
// Arm ARM (DDI 0487): D1.10 (exception vectors, VBAR_EL1 + 0x280 for IRQ from EL1h), D11 (generic
// timer CNTV_TVAL_EL0/CNTV_CTL_EL0); GICv2 IHI 0048B (GICD_CTLR, GICD_ISENABLER0, GICC_PMR,
// GICC_CTLR, GICC_IAR, GICC_EOIR); PSCI DEN0022; PL011 DDI0183 (UARTDR).

    .section .text.start, "ax", %progbits
    .global _start
_start:
    b       main                 // code0: jump over the header
    .word   0                    // code1
    .quad   0x80000              // text_offset
    .quad   image_end - _start   // image_size
    .quad   0xa                  // flags: little-endian, 4 KiB pages, anywhere in RAM
    .quad   0, 0, 0              // res2-res4
    .ascii  "ARM\x64"            // magic
    .word   0                    // res5
main:

  .equ UART, 0x09000000
  .equ GICD, 0x08000000
  .equ GICC, 0x08010000
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
hello: .asciz "hello\n"
ticked: .asciz "tick\n"
second: .asciz "cpu1\n"
  .balign 4
done: .word 0
  .balign 2048
vectors:
  .space 0x280
  b irq                        // IRQ from EL1h (VBAR_EL1 + 0x280)
  .balign 2048
image_end:
