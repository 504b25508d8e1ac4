#!/usr/bin/env bash
# Build the guest ROMs from roms/a32, roms/a64 and roms/t32 into roms/build (or the directory given as $1).
# Reproducible: no build ID, no timestamps, no .comment; the same sources and tools give the
# same bytes. Paths handed to the tools are relative to roms/, so file symbols never name the
# machine's directories.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
out="${1:-build}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

pick() {
  for t in "$@"; do
    if command -v "$t" >/dev/null 2>&1; then echo "$t"; return 0; fi
  done
  echo "build.sh: none of $* found" >&2
  return 1
}
MC="${LLVM_MC:-$(pick llvm-mc-14 llvm-mc)}"
LD="${LD_LLD:-$(pick ld.lld-14 ld.lld)}"
OBJCOPY="${LLVM_OBJCOPY:-$(pick llvm-objcopy-14 llvm-objcopy)}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

LOAD_ADDRESS=0x40000000   # CODE_BASE in include/layout.inc and link.ld

assemble() { # isa source object
  local triple
  case "$1" in a32) triple=armv7a-none-eabi ;; t32) triple=thumbv7a-none-eabi ;; a64) triple=aarch64-none-elf ;; esac
  "$MC" -triple="$triple" -I include -filetype=obj "$2" -o "$3"
}

link() { # output objects...
  local output="$1"; shift
  "$LD" -T link.ld --build-id=none --no-relax -N --no-undefined -o "$output" "$@"
}

for isa in a32 a64; do
  assemble "$isa" "$isa/cache-set-way.s" "$out/$isa-set-way.o"
  assemble "$isa" "$isa/set-way-selftest.s" "$work/$isa-set-way-selftest.o"
  assemble "$isa" "$isa/boot-handoff.s" "$work/$isa-boot-handoff.o"
  link "$out/$isa-set-way-selftest.elf" "$work/$isa-set-way-selftest.o" "$out/$isa-set-way.o"
  link "$out/$isa-boot-handoff.elf" "$work/$isa-boot-handoff.o" "$out/$isa-set-way.o"
  if [ "$isa" = a64 ]; then
    for rom in stale-clean-line script-guest; do
      assemble a64 "a64/$rom.s" "$work/a64-$rom.o"
      link "$out/a64-$rom.elf" "$work/a64-$rom.o" "$out/a64-set-way.o"
      "$OBJCOPY" -O binary "$out/a64-$rom.elf" "$out/a64-$rom.bin"
    done
    # A guest for `setway boot`: an arm64 Image (header included) with the set/way routines.
    assemble a64 a64/virt-guest.s "$work/a64-virt-guest.o"
    link "$out/a64-virt-guest.elf" "$work/a64-virt-guest.o" "$out/a64-set-way.o"
    "$OBJCOPY" -O binary "$out/a64-virt-guest.elf" "$out/a64-virt-guest.bin"
  fi
  for rom in set-way-selftest boot-handoff; do
    "$OBJCOPY" -O binary "$out/$isa-$rom.elf" "$out/$isa-$rom.bin"
  done
done

# Thumb-2 (T32): the set/way routines and the boot handoff of a32/, written for Thumb state.
assemble t32 t32/cache-set-way.s "$out/t32-set-way.o"
assemble t32 t32/boot-handoff.s "$work/t32-boot-handoff.o"
link "$out/t32-boot-handoff.elf" "$work/t32-boot-handoff.o" "$out/t32-set-way.o"
"$OBJCOPY" -O binary "$out/t32-boot-handoff.elf" "$out/t32-boot-handoff.bin"

# What each image is, for tools and tests: raw binaries load at LOAD_ADDRESS and start at their first byte.
cat > "$out/manifest.json" <<JSON
{
  "loadAddress": "$LOAD_ADDRESS",
  "parameterBlock": "0x40010000",
  "images": [
    { "name": "a32-set-way", "object": "a32-set-way.o", "isa": "a32", "symbols": ["flush_dcache_all", "flush_dcache_louis", "invalidate_l1"] },
    { "name": "a32-set-way-selftest", "elf": "a32-set-way-selftest.elf", "bin": "a32-set-way-selftest.bin", "isa": "a32", "entry": "$LOAD_ADDRESS" },
    { "name": "a32-boot-handoff", "elf": "a32-boot-handoff.elf", "bin": "a32-boot-handoff.bin", "isa": "a32", "entry": "$LOAD_ADDRESS" },
    { "name": "t32-set-way", "object": "t32-set-way.o", "isa": "t32", "symbols": ["flush_dcache_all", "flush_dcache_louis", "invalidate_l1"] },
    { "name": "t32-boot-handoff", "elf": "t32-boot-handoff.elf", "bin": "t32-boot-handoff.bin", "isa": "t32", "entry": "$LOAD_ADDRESS" },
    { "name": "a64-set-way", "object": "a64-set-way.o", "isa": "a64", "symbols": ["flush_dcache_all", "flush_dcache_louis", "invalidate_l1"] },
    { "name": "a64-set-way-selftest", "elf": "a64-set-way-selftest.elf", "bin": "a64-set-way-selftest.bin", "isa": "a64", "entry": "$LOAD_ADDRESS" },
    { "name": "a64-boot-handoff", "elf": "a64-boot-handoff.elf", "bin": "a64-boot-handoff.bin", "isa": "a64", "entry": "$LOAD_ADDRESS" },
    { "name": "a64-stale-clean-line", "elf": "a64-stale-clean-line.elf", "bin": "a64-stale-clean-line.bin", "isa": "a64", "entry": "$LOAD_ADDRESS" },
    { "name": "a64-script-guest", "elf": "a64-script-guest.elf", "bin": "a64-script-guest.bin", "isa": "a64", "entry": "$LOAD_ADDRESS" },
    { "name": "a64-virt-guest", "elf": "a64-virt-guest.elf", "bin": "a64-virt-guest.bin", "isa": "a64", "entry": "$LOAD_ADDRESS" }
  ]
}
JSON
echo "roms built into $out"
