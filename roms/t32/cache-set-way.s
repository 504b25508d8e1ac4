@ Data-cache maintenance by set/way in Thumb-2 (T32): the routines of roms/a32/cache-set-way.s
@ (same algorithm, same registers, same operands) written for Thumb state, from the Arm ARM
@ (DDI 0487): G7 "Performing cache maintenance by set/way", CLIDR, CSSELR, CCSIDR, DCCISW and
@ DCISW (G8). T32 has no register-shifted register operand (F1 "The T32 and A32 instruction
@ sets"), so the way field is shifted by LSL (register) first: a shift of 32 still gives 0.
@
@ AAPCS: arguments none, r0-r3 and r12 clobbered, r4-r11 and sp preserved, return with bx lr.

    .syntax unified
    .arch armv7-a
    .thumb
    .text

@ Register use inside SET_WAY_LEVELS, as in the A32 routines:
@   r0 CLIDR          r1 scratch (Ctype, CCSIDR)   r2 Ctype shift, then L
@   r3 level limit, in CSSELR.Level units ((last level) << 1)
@   r4 way            r5 sets - 1                  r6 way shift (32 - A)
@   r7 set            r8 S/W operand               r9 (level - 1) << 1, the Level field
.macro SET_WAY_LEVELS crm
    dsb                                 @ earlier stores reach the caches before maintenance
    lsls    r3, r3, #1
    beq     5f                          @ limit 0: nothing to do
    mov     r9, #0                      @ start at level 1
1:  add     r2, r9, r9, lsr #1          @ 3 * (level - 1): position of Ctype<level>
    lsr     r1, r0, r2
    and     r1, r1, #7
    cmp     r1, #2                      @ 2 data, 3 separate I and D, 4 unified
    blt     4f
    mcr     p15, 2, r9, c0, c0, 0       @ CSSELR: Level = level - 1, InD = 0 (data/unified)
    isb                                 @ make the CSSELR write visible to the CCSIDR read
    mrc     p15, 1, r1, c0, c0, 0       @ CCSIDR of the selected cache
    and     r2, r1, #7                  @ LineSize = log2(line bytes) - 4
    add     r2, r2, #4                  @ L
    ubfx    r4, r1, #3, #10             @ Associativity = ways - 1
    ubfx    r5, r1, #13, #15            @ NumSets = sets - 1
    clz     r6, r4                      @ 32 - A; 32 for a one-way cache, whose way field is empty
2:  mov     r7, r5                      @ for each way, from the top
3:  lsl     r8, r4, r6                  @ way (a register shift by 32 gives 0)
    orr     r8, r8, r9                  @     | level
    lsl     r1, r7, r2
    orr     r8, r8, r1                  @     | set
    mcr     p15, 0, r8, c7, \crm, 2     @ the S/W operation (DCCISW: c14, DCISW: c6)
    subs    r7, r7, #1
    bge     3b
    subs    r4, r4, #1
    bge     2b
4:  add     r9, r9, #2                  @ next level
    cmp     r9, r3
    blt     1b
5:  mov     r1, #0
    mcr     p15, 2, r1, c0, c0, 0       @ CSSELR back to level 1 data
    dsb                                 @ maintenance complete before anything relies on it
    isb
.endm

@ Clean and invalidate every data/unified cache level up to the Level of Coherence.
    .p2align 2
    .global flush_dcache_all
    .type   flush_dcache_all, %function
    .thumb_func
flush_dcache_all:
    push    {r4-r9}
    mrc     p15, 1, r0, c0, c0, 1       @ CLIDR
    ubfx    r3, r0, #24, #3             @ LoC = CLIDR[26:24]
    SET_WAY_LEVELS c14                  @ DCCISW
    pop     {r4-r9}
    bx      lr
    .size   flush_dcache_all, . - flush_dcache_all

@ Clean and invalidate every data/unified cache level up to the Level of Unification, Inner
@ Shareable.
    .p2align 2
    .global flush_dcache_louis
    .type   flush_dcache_louis, %function
    .thumb_func
flush_dcache_louis:
    push    {r4-r9}
    mrc     p15, 1, r0, c0, c0, 1       @ CLIDR
    ubfx    r3, r0, #21, #3             @ LoUIS = CLIDR[23:21]
    SET_WAY_LEVELS c14                  @ DCCISW
    pop     {r4-r9}
    bx      lr
    .size   flush_dcache_louis, . - flush_dcache_louis

@ Invalidate the level 1 data cache without cleaning it.
    .p2align 2
    .global invalidate_l1
    .type   invalidate_l1, %function
    .thumb_func
invalidate_l1:
    push    {r4-r9}
    mrc     p15, 1, r0, c0, c0, 1       @ CLIDR, for Ctype1
    mov     r3, #1                      @ level 1 only
    SET_WAY_LEVELS c6                   @ DCISW
    pop     {r4-r9}
    bx      lr
    .size   invalidate_l1, . - invalidate_l1
