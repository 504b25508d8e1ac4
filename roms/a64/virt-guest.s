// A guest for the virt platform, in an arm64 Image wrapper so `setway boot --kernel` takes it
// (Documentation/arch/arm64/booting.rst header: branch, text_offset, image_size, flags, magic
// "ARM\x64" at 0x38). Position independent: adr for code and data, literals only for device
// addresses. It prints through the PL011, programs the GICv2 and the virtual timer, sleeps in WFI
// until PPI 27 arrives, acknowledges and ends it at the GIC CPU interface, starts vCPU 1 with PSCI
// CPU_ON (which prints too), then does what a bootloader does before starting a kernel: MMU and
// caches on, a pattern written, flush_dcache_all (DC CISW to the LoC, roms/a64/cache-set-way.s),
// caches off, and the pattern read back from memory ("flush ok" or "flush lost N"): the
// Cubietruck bug on a whole platform. Then PSCI SYSTEM_OFF.
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
    .quad   0x100000             // image_size: 1 MiB reserved (code, tables and buffer live elsewhere)
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
  bl handoff
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

  .equ TABLES, 0x40400000
  .equ BUFFER, 0x40500000
  .equ BUFFER_END, 0x40510000    // 64 KiB: twice L1D, much of it still dirty in L1 when the flush starts
  .equ SEED, 0x5eed5eeb
handoff:                       // clobbers x0-x12, x22; keeps x19 (UART)
  mov x22, x30
  ldr x0, =TABLES              // level 1: [0, 1 GiB) Device-nGnRnE, [1 GiB, 2 GiB) Normal WB
  ldr x1, =0x60000000000401    // block, AttrIndx 0, AF, UXN, PXN
  str x1, [x0]
  ldr x1, =0x40000705          // block at 1 GiB, AttrIndx 1, Inner Shareable, AF
  str x1, [x0, #8]
  stp xzr, xzr, [x0, #16]
  ldr x1, =0xff00              // MAIR_EL1: Attr0 Device-nGnRnE, Attr1 Normal WB RW-allocate
  msr mair_el1, x1
  ldr x1, =0x80802020          // TCR_EL1: T0SZ 32, TG0 4 KiB, EPD1, TG1 4 KiB, walks non-cacheable
  msr tcr_el1, x1
  msr ttbr0_el1, x0
  dsb sy
  tlbi vmalle1
  dsb sy
  isb
  mrs x0, sctlr_el1
  orr x0, x0, #(1 << 0)        // M
  orr x0, x0, #(1 << 2)        // C
  orr x0, x0, #(1 << 12)       // I
  msr sctlr_el1, x0
  isb
  ldr x10, =BUFFER
  ldr x11, =BUFFER_END
  ldr w12, =SEED
  mov x0, x10
6:eor w1, w0, w12
  str w1, [x0], #4
  cmp x0, x11
  b.lo 6b
  bl flush_dcache_all
  dsb sy
  mrs x0, sctlr_el1
  bic x0, x0, #(1 << 0)
  bic x0, x0, #(1 << 2)
  bic x0, x0, #(1 << 12)
  msr sctlr_el1, x0
  isb
  mov w9, #0                   // mismatches
  mov x0, x10
7:ldr w1, [x0]
  eor w2, w0, w12
  cmp w1, w2
  cinc w9, w9, ne
  add x0, x0, #4
  cmp x0, x11
  b.lo 7b
  cbz w9, 8f
  adr x0, lost
  bl puts
  b 9f
8:adr x0, ok
  bl puts
9:mov x30, x22
  ret

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
ok: .asciz "flush ok\n"
lost: .asciz "flush lost\n"
  .balign 4
done: .word 0
  .balign 2048
vectors:
  .space 0x280
  b irq                        // IRQ from EL1h (VBAR_EL1 + 0x280)
  .balign 2048
image_end:
