@ setway function harness stub (A32): the boot-handoff scenario around any flush function.
@ Entered in SVC mode with stage 1 set up by the host (TTBR0, TTBCR, DACR) but MMU and caches off.
@   r4 = buffer VA (identity mapped), r5 = size in bytes (multiple of 4; 0: no buffer),
@   r6 = pattern seed, r7 = function to call (blx: bit 0 selects Thumb); r4-r7 may be
@   corrupted by the function (Linux's v7 walkers do): the stub keeps its state in r8 and the
@   thread ID registers TPIDRURW/TPIDRPRW across the call.
@ Turns MMU and caches on (SCTLR.M, C, I: a VM-register write that HCR.TVM traps), writes
@ word[a] = a ^ seed over the buffer, calls the function, turns MMU and caches off again, reads
@ the buffer back uncached, leaves the mismatched word count in r0 and stops with HVC #0.
        .syntax unified
        .arm
        .text
        .globl handoff_stub
handoff_stub:
        mrc     p15, 0, r0, c1, c0, 0
        orr     r0, r0, #5
        orr     r0, r0, #0x1000
        mcr     p15, 0, r0, c1, c0, 0
        isb     sy
        mov     r0, r4
        add     r1, r4, r5
        b       2f
1:      eor     r2, r0, r6
        str     r2, [r0], #4
2:      cmp     r0, r1
        blo     1b
        dsb     sy
        @ Keep buffer, size and seed where the function cannot reach them: r8 (callee-saved, and
        @ not among the registers Linux's v7 walkers corrupt) and the PL1 thread ID registers.
        @ Not on the stack: a S/W invalidate by the function may discard the dirty stack lines.
        mov     r8, r4
        mcr     p15, 0, r5, c13, c0, 2  @ TPIDRURW
        mcr     p15, 0, r6, c13, c0, 4  @ TPIDRPRW
        blx     r7
        mov     r4, r8
        mrc     p15, 0, r5, c13, c0, 2
        mrc     p15, 0, r6, c13, c0, 4
        mrc     p15, 0, r0, c1, c0, 0
        bic     r0, r0, #5
        bic     r0, r0, #0x1000
        mcr     p15, 0, r0, c1, c0, 0
        isb     sy
        mov     r0, #0
        mov     r1, r4
        add     r2, r4, r5
        b       4f
3:      ldr     r3, [r1]
        eor     r12, r1, r6
        cmp     r3, r12
        addne   r0, r0, #1
        add     r1, r1, #4
4:      cmp     r1, r2
        blo     3b
        hvc     #0
