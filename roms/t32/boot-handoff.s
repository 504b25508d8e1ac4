@ Boot handoff in Thumb-2 (T32): the program of roms/a32/boot-handoff.s (same steps, same
@ tables, same parameter and result blocks, same exit) written for Thumb state, the way a
@ Thumb-2 bootloader (GRUB for armhf, U-Boot with CONFIG_SYS_THUMB_BUILD) would run it.
@ Conditional execution goes through IT blocks (Arm ARM F1 "IT block state register, ITSTATE";
@ an IT block holds at most four instructions, so the first-mismatch record branches instead).
@
@ Entry: PL1 (SVC mode), Thumb state (the ELF entry address has bit 0 set: AAELF32 e_entry),
@ MMU and caches off, at _start (CODE_BASE).
@ Exit: hvc #0 with r0 = number of mismatched words (0xffffffff if the parameters were rejected).
@ Architecture references as in roms/a32/boot-handoff.s.

    .syntax unified
    .arch armv7-a
    .arch_extension virt
    .thumb
    .include "layout.inc"

@ First-level section descriptor fields (G5 "Short-descriptor translation table format").
    .equ SECTION,       0b10            @ bits[1:0]: section
    .equ SECT_B,        1 << 2
    .equ SECT_C,        1 << 3
    .equ SECT_XN,       1 << 4
    .equ SECT_AP_RW,    0b11 << 10      @ AP[1:0] = 0b11, AP[2] = 0: read/write at every PL
    .equ SECT_TEX_001,  0b001 << 12
    .equ SECT_S,        1 << 16
@ Normal memory, Outer and Inner Write-Back Write-Allocate (TEX 0b001, C 1, B 1), shareable.
    .equ NORMAL_WBWA,   SECTION | SECT_AP_RW | SECT_TEX_001 | SECT_C | SECT_B | SECT_S
@ Shareable Device (TEX 0b000, C 0, B 1), never executable.
    .equ DEVICE,        SECTION | SECT_AP_RW | SECT_B | SECT_XN
    .equ SECTION_SHIFT, 20              @ 1 MiB sections, 4096 entries

@ SCTLR bits.
    .equ SCTLR_M,       1 << 0
    .equ SCTLR_C,       1 << 2
    .equ SCTLR_I,       1 << 12
    .equ SCTLR_TRE,     1 << 28         @ TEX remap: must be off for the TEX/C/B encodings above
    .equ SCTLR_AFE,     1 << 29         @ access flag: must be off for AP[0] to be a permission bit

@ Registers kept across the whole program (callee-saved, so the flush routines keep them):
@   r4 parameter block   r5 buffer   r6 buffer end   r7 seed   r8 flags   r10 flush choice

    .section .text.start, "ax", %progbits
    .global _start
    .type   _start, %function
    .thumb_func
_start:
    ldr     r0, =STACK_TOP
    mov     sp, r0
    ldr     r4, =PARAM_BLOCK

    @ Clear the result block first, so a stale "DONE" never survives a rerun.
    mov     r0, #0
    str     r0, [r4, #RESULT_DONE]
    str     r0, [r4, #RESULT_MISMATCHES]
    mvn     r1, #0
    str     r1, [r4, #RESULT_FIRST_ADDR]
    str     r1, [r4, #RESULT_FIRST_ADDR + 4]
    str     r0, [r4, #RESULT_FIRST_READ]
    str     r0, [r4, #RESULT_FIRST_WANT]

    @ Read and check the parameters.
    ldr     r0, [r4, #PARAM_MAGIC]
    ldr     r1, =PARAM_MAGIC_VALUE
    cmp     r0, r1
    bne     bad_params
    ldr     r5, [r4, #PARAM_BUFFER]
    ldr     r0, [r4, #PARAM_SIZE]
    ldr     r7, [r4, #PARAM_SEED]
    ldr     r8, [r4, #PARAM_FLAGS]
    ldr     r10, [r4, #PARAM_FLUSH]
    tst     r5, #3                      @ buffer word aligned
    bne     bad_params
    tst     r0, #3                      @ size a multiple of 4 ...
    bne     bad_params
    cmp     r0, #0                      @ ... and not zero
    beq     bad_params
    ldr     r1, =BUFFER_MIN
    cmp     r5, r1                      @ above the code, stack and tables
    blo     bad_params
    ldr     r1, =RAM_MAPPED_END
    cmp     r5, r1
    bhs     bad_params
    sub     r1, r1, r5                  @ room left in the mapped RAM
    cmp     r0, r1
    bhi     bad_params
    add     r6, r5, r0                  @ buffer end (exclusive)
    cmp     r10, #2
    bhi     bad_params

    bl      build_section_table

    @ Translation controls. TTBCR = 0: short-descriptor format, TTBR0 for the whole space.
    mov     r0, #0
    mcr     p15, 0, r0, c2, c0, 2       @ TTBCR
    ldr     r0, =TABLE_BASE             @ TTBR0: IRGN/RGN/S/NOS 0, table walks non-cacheable
    mcr     p15, 0, r0, c2, c0, 0       @ TTBR0
    ldr     r0, =0x55555555             @ DACR: every domain Client (permissions are checked)
    mcr     p15, 0, r0, c3, c0, 0       @ DACR
    mov     r0, #0
    mcr     p15, 0, r0, c8, c7, 0       @ TLBIALL
    mcr     p15, 0, r0, c7, c5, 6       @ BPIALL
    mcr     p15, 0, r0, c7, c5, 0       @ ICIALLU
    dsb                                 @ table stores and invalidations complete ...
    isb                                 @ ... before the MMU can walk

    @ Cache contents are UNKNOWN out of reset: optionally invalidate L1 before using it.
    tst     r8, #1
    it      ne
    blne    invalidate_l1

    @ MMU, data and instruction caches on.
    mrc     p15, 0, r0, c1, c0, 0       @ SCTLR
    bic     r0, r0, #SCTLR_TRE
    bic     r0, r0, #SCTLR_AFE
    orr     r0, r0, #SCTLR_M
    orr     r0, r0, #SCTLR_C
    orr     r0, r0, #SCTLR_I
    mcr     p15, 0, r0, c1, c0, 0
    isb                                 @ later instructions see the new translation regime

    @ Write the pattern: the word at address a holds (a XOR seed).
    mov     r0, r5
fill:
    eor     r1, r0, r7
    str     r1, [r0], #4
    cmp     r0, r6
    blo     fill

    @ Clean the caches by set/way, as the selected routine does it.
    cmp     r10, #0
    it      eq
    bleq    flush_dcache_all
    cmp     r10, #1
    it      eq
    bleq    flush_dcache_louis

    @ MMU and caches off. From here on every access goes straight to memory.
    dsb                                 @ the stores above and the maintenance have completed
    mrc     p15, 0, r0, c1, c0, 0       @ SCTLR
    bic     r0, r0, #SCTLR_M
    bic     r0, r0, #SCTLR_C
    bic     r0, r0, #SCTLR_I
    mcr     p15, 0, r0, c1, c0, 0
    isb

    @ Read the buffer back and count the words that differ from the pattern.
    mov     r11, #0                     @ mismatches
    mov     r0, r5
check:
    ldr     r1, [r0]
    eor     r2, r0, r7
    cmp     r1, r2
    beq     check_next
    cmp     r11, #0                     @ remember the first one
    bne     1f
    str     r0, [r4, #RESULT_FIRST_ADDR]
    mov     r3, #0
    str     r3, [r4, #RESULT_FIRST_ADDR + 4]
    str     r1, [r4, #RESULT_FIRST_READ]
    str     r2, [r4, #RESULT_FIRST_WANT]
1:  add     r11, r11, #1
check_next:
    add     r0, r0, #4
    cmp     r0, r6
    blo     check

    str     r11, [r4, #RESULT_MISMATCHES]
    dsb                                 @ the count is visible before the marker
    ldr     r0, =DONE_MARKER
    str     r0, [r4, #RESULT_DONE]
    dsb
    mov     r0, r11
    hvc     #0                          @ r0 = mismatch count
halt:
    b       halt

bad_params:
    ldr     r0, =BAD_PARAMS_MARKER
    str     r0, [r4, #RESULT_DONE]
    dsb
    mvn     r0, #0
    hvc     #0                          @ r0 = 0xffffffff: parameters rejected
    b       halt
    .size   _start, . - _start

@ Fill the 4096-entry first-level table at TABLE_BASE with 1 MiB identity sections:
@ [RAM_BASE, RAM_MAPPED_END) Normal write-back, [0, RAM_BASE) Device, the rest faults.
@ Runs with the MMU off, so the stores go straight to memory. Clobbers r0-r3, r12.
    .p2align 2
    .type   build_section_table, %function
    .thumb_func
build_section_table:
    ldr     r0, =TABLE_BASE
    mov     r1, #0                      @ section index = address[31:20]
1:  lsl     r2, r1, #SECTION_SHIFT      @ output address = input address
    cmp     r1, #(RAM_BASE >> SECTION_SHIFT)
    itt     lo
    ldrlo   r3, =DEVICE
    blo     2f
    cmp     r1, #(RAM_MAPPED_END >> SECTION_SHIFT)
    itee    hs
    movhs   r2, #0                      @ fault entry
    ldrlo   r3, =NORMAL_WBWA
    blo     2f
    mov     r3, #0
2:  orr     r2, r2, r3
    str     r2, [r0, r1, lsl #2]
    add     r1, r1, #1
    cmp     r1, #4096
    blo     1b
    bx      lr
    .size   build_section_table, . - build_section_table
    .ltorg

    .include "param-block.inc"
