@ Runs the three set/way routines once each with the MMU and caches off, then stops with
@ hvc #0 (r0 = 0). A smoke test for an executor: every S/W instruction a routine issues is
@ visible as a trap (HCR.TSW) or as a port call.

    .syntax unified
    .arch armv7-a
    .arch_extension virt
    .arm
    .include "layout.inc"

    .section .text.start, "ax", %progbits
    .global _start
    .type   _start, %function
_start:
    ldr     sp, =STACK_TOP
    bl      invalidate_l1
    bl      flush_dcache_louis
    bl      flush_dcache_all
    mov     r0, #0
    hvc     #0
halt:
    b       halt
    .size   _start, . - _start
    .ltorg
