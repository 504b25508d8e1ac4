// Data-cache maintenance by set/way for AArch64, written from the Arm ARM (DDI 0487):
// D7.5 "Cache support" (cache maintenance by set/way), the CLIDR_EL1, CSSELR_EL1 and
// CCSIDR_EL1 register descriptions (D17) and DC CISW / DC ISW (C5 "DC" system instructions).
//
// Each routine walks the cache levels 1..limit, skips levels whose CLIDR_EL1 Ctype field holds
// no data cache (Ctype < 2: none or instruction only), selects the level in CSSELR_EL1, reads
// its geometry from CCSIDR_EL1 and issues the S/W operation for every way and set. The operand is
//     way << (32 - A) | set << L | (level - 1) << 1
// with A = ceil(log2(ways)) = 32 - clz(ways - 1), L = log2(line bytes) = LineSize + 4.
// Assumes the 32-bit CCSIDR_EL1 format (FEAT_CCIDX not implemented).
//
// AAPCS64: no arguments, x0-x9 clobbered, x19-x29 and sp preserved, no stack used, returns with ret.

    .text

// Register use inside SET_WAY_LEVELS:
//   x0 CLIDR_EL1      x1 scratch (Ctype, CCSIDR, set << L)   x2 Ctype shift, then L
//   x3 level limit, in CSSELR.Level units ((last level) << 1)
//   x4 way            x5 sets - 1                             x6 way shift (32 - A)
//   x7 set            x8 S/W operand                          x9 (level - 1) << 1, the Level field
.macro SET_WAY_LEVELS op
    dsb     sy                          // earlier stores reach the caches before maintenance
    lsl     x3, x3, #1
    cbz     x3, 5f                      // limit 0: nothing to do
    mov     x9, #0                      // start at level 1
1:  add     x2, x9, x9, lsr #1          // 3 * (level - 1): position of Ctype<level>
    lsr     x1, x0, x2
    and     x1, x1, #7
    cmp     x1, #2                      // 2 data, 3 separate I and D, 4 unified
    b.lt    4f
    msr     csselr_el1, x9              // Level = level - 1, InD = 0 (data/unified)
    isb                                 // make the CSSELR_EL1 write visible to the CCSIDR_EL1 read
    mrs     x1, ccsidr_el1
    and     x2, x1, #7                  // LineSize = log2(line bytes) - 4
    add     x2, x2, #4                  // L
    ubfx    x4, x1, #3, #10             // Associativity = ways - 1
    ubfx    x5, x1, #13, #15            // NumSets = sets - 1
    clz     w6, w4                      // 32 - A; 32 for a one-way cache, whose way is then 0
2:  mov     x7, x5                      // for each way, from the top
3:  lsl     w8, w4, w6                  // way (LSLV shifts by the amount mod 32; way 0 stays 0)
    orr     w8, w8, w9                  //     | level
    lsl     w1, w7, w2
    orr     w8, w8, w1                  //     | set
    dc      \op, x8                     // the S/W operation
    subs    x7, x7, #1
    b.ge    3b
    subs    x4, x4, #1
    b.ge    2b
4:  add     x9, x9, #2                  // next level
    cmp     x9, x3
    b.lt    1b
5:  msr     csselr_el1, xzr             // back to level 1 data
    dsb     sy                          // maintenance complete before anything relies on it
    isb
.endm

// Clean and invalidate every data/unified cache level up to the Level of Coherence.
    .global flush_dcache_all
    .type   flush_dcache_all, %function
flush_dcache_all:
    mrs     x0, clidr_el1
    ubfx    x3, x0, #24, #3             // LoC = CLIDR_EL1[26:24]
    SET_WAY_LEVELS cisw
    ret
    .size   flush_dcache_all, . - flush_dcache_all

// Clean and invalidate every data/unified cache level up to the Level of Unification, Inner
// Shareable (what a CPU going down for hotplug or suspend needs).
    .global flush_dcache_louis
    .type   flush_dcache_louis, %function
flush_dcache_louis:
    mrs     x0, clidr_el1
    ubfx    x3, x0, #21, #3             // LoUIS = CLIDR_EL1[23:21]
    SET_WAY_LEVELS cisw
    ret
    .size   flush_dcache_louis, . - flush_dcache_louis

// Invalidate the level 1 data cache without cleaning it (what a CPU coming out of reset does
// before turning its caches on: their contents are UNKNOWN).
    .global invalidate_l1
    .type   invalidate_l1, %function
invalidate_l1:
    mrs     x0, clidr_el1               // for Ctype1
    mov     x3, #1                      // level 1 only
    SET_WAY_LEVELS isw
    ret
    .size   invalidate_l1, . - invalidate_l1
