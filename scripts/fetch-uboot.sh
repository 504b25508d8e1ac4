#!/usr/bin/env bash
# Fetch Debian's U-Boot for QEMU's virt board for the firmware tests: `fetch-uboot.sh [qemu_arm|qemu_arm64]`
# (default qemu_arm). Downloads u-boot-qemu (an architecture-independent package) with apt, extracts
# usr/lib/u-boot/<board>/{u-boot.bin,uboot.elf} into .cache/uboot/<board>/ (gitignored) and prints the
# u-boot.bin path on stdout. Idempotent: an existing u-boot.bin there is reused without touching apt.
# Exit codes: 0 ok, 2 apt/dpkg unavailable or bad board, 3 no package, 4 download/extract failed.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
board="${1:-qemu_arm}"
case "$board" in
  qemu_arm | qemu_arm64) ;;
  *) echo "fetch-uboot: unknown board '$board' (qemu_arm or qemu_arm64)" >&2; exit 2 ;;
esac
out="${SETWAY_UBOOT_CACHE:-$repo_root/.cache/uboot}/$board"
if [ -s "$out/u-boot.bin" ]; then
  echo "$out/u-boot.bin"
  exit 0
fi

fail() {
  local code="$1"
  shift
  echo "fetch-uboot: $*" >&2
  exit "$code"
}
for tool in apt-get dpkg-deb tar; do
  command -v "$tool" >/dev/null 2>&1 || fail 2 "'$tool' not found: this script needs a Debian/Ubuntu system with apt"
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chown _apt "$work" 2>/dev/null || chmod 777 "$work"
if ! (cd "$work" && apt-get download -qq u-boot-qemu >&2); then
  [ "$(id -u)" -eq 0 ] || fail 3 "apt-get download u-boot-qemu failed, and refreshing the apt lists needs root"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
  (cd "$work" && apt-get download -qq u-boot-qemu >&2) || fail 4 "apt-get download u-boot-qemu failed (no network or no apt sources?)"
fi
deb="$(find "$work" -maxdepth 1 -name '*.deb' | head -n 1)"
[ -n "$deb" ] || fail 4 "apt-get download produced no .deb for u-boot-qemu"
mkdir -p "$work/root"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/root" "./usr/lib/u-boot/$board" || fail 4 "extracting usr/lib/u-boot/$board from $deb failed"

mkdir -p "$out"
# u-boot.bin last and each file renamed into place whole: its presence means the fetch completed.
for name in uboot.elf u-boot.bin; do
  [ -f "$work/root/usr/lib/u-boot/$board/$name" ] || fail 4 "$deb has no usr/lib/u-boot/$board/$name"
  cp "$work/root/usr/lib/u-boot/$board/$name" "$out/.partial-$name"
  mv -f "$out/.partial-$name" "$out/$name"
done
echo "$out/u-boot.bin"
