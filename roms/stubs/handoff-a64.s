// setway function harness stub (A64): the boot-handoff scenario around any flush function.
// Entered at EL1 with stage 1 set up by the host (TTBR0_EL1, TCR_EL1, MAIR_EL1) but MMU and
// caches off.  x19 = buffer VA (identity mapped), x20 = size in bytes (multiple of 8; 0: no
// buffer), x21 = pattern seed, x22 = function to call (blr); the function must preserve x19-x21 (AAPCS64).
// Turns MMU and caches on (SCTLR_EL1.M, C, I: HCR_EL2.TVM traps the write), writes
// dword[a] = a ^ seed over the buffer, calls the function, turns MMU and caches off, reads the
// buffer back uncached, leaves the mismatched doubleword count in x0 and stops with HVC #0.
        .text
        .globl handoff_stub
handoff_stub:
        mrs     x0, sctlr_el1
        mov     x1, #0x1005
        orr     x0, x0, x1
        msr     sctlr_el1, x0
        isb
        mov     x0, x19
        add     x1, x19, x20
        b       2f
1:      eor     x2, x0, x21
        str     x2, [x0], #8
2:      cmp     x0, x1
        b.lo    1b
        dsb     sy
        blr     x22                     // x19-x21 are callee-saved (AAPCS64): no stack, which a S/W invalidate could discard
        mrs     x0, sctlr_el1
        mov     x1, #0x1005
        bic     x0, x0, x1
        msr     sctlr_el1, x0
        isb
        mov     x0, #0
        mov     x1, x19
        add     x2, x19, x20
        b       4f
3:      ldr     x3, [x1]
        eor     x4, x1, x21
        cmp     x3, x4
        cinc    x0, x0, ne
        add     x1, x1, #8
4:      cmp     x1, x2
        b.lo    3b
        hvc     #0
