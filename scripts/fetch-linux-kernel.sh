#!/usr/bin/env bash
# Fetch a Debian kernel for the real-kernel tests: `fetch-linux-kernel.sh [armmp|arm64]` (default
# armmp: the armhf multiplatform linux-image-6.1.0-*-armmp; arm64: linux-image-6.1.0-*-arm64).
# Extracts /boot/vmlinuz-* and /boot/System.map-* into .cache/linux/ (gitignored) and prints the
# vmlinuz path on stdout. Idempotent: an existing vmlinuz there is reused without touching apt.
# Needs apt and dpkg (Debian or Ubuntu) and root for `dpkg --add-architecture` and `apt-get update`.
# Exit codes: 0 ok, 2 apt/dpkg unavailable or not root, 3 no package found, 4 download/extract failed.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
cache_dir="${SETWAY_LINUX_CACHE:-$repo_root/.cache/linux}"
flavour="${1:-armmp}"
case "$flavour" in
  armmp) arch=armhf ;;
  arm64) arch=arm64 ;;
  *) echo "fetch-linux-kernel: unknown flavour '$flavour' (armmp or arm64)" >&2; exit 2 ;;
esac

fail() {
  local code="$1"
  shift
  echo "fetch-linux-kernel: $*" >&2
  exit "$code"
}

existing_kernel() {
  local found
  found="$(find "$cache_dir" -maxdepth 1 -name "vmlinuz-*-$flavour" -type f 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$found" ] && [ -s "$found" ] && echo "$found"
}

if kernel="$(existing_kernel)"; then
  echo "$kernel"
  exit 0
fi

for tool in apt-get apt-cache dpkg dpkg-deb tar; do
  command -v "$tool" >/dev/null 2>&1 || fail 2 "'$tool' not found: this script needs a Debian/Ubuntu system with apt"
done

if [ "$arch" != "$(dpkg --print-architecture)" ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
  [ "$(id -u)" -eq 0 ] || fail 2 "$arch is not a dpkg architecture here and adding it needs root (run: dpkg --add-architecture $arch && apt-get update)"
  dpkg --add-architecture "$arch"
  need_update=1
else
  need_update=0
fi

# Exactly linux-image-6.1.0-<abi>-<flavour>: not -lpae, not -dbg, not the unsigned/meta packages.
find_package() {
  apt-cache search --names-only "^linux-image-6\\.1\\.0-[0-9]+-$flavour\$" 2>/dev/null |
    awk '{print $1}' | sort -V | tail -n 1
}

update_note=""
update_lists() {
  [ "$(id -u)" -eq 0 ] || fail 2 "apt-get update needs root, and the apt lists have no usable linux-image-6.1.0-*-$flavour"
  # A partial failure (one mirror mid-sync) still leaves usable lists: judge by what follows.
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || update_note=" (apt-get update reported errors: no network or no apt sources?)"
  need_update=0
}

package="$(find_package || true)"
if [ -z "$package" ] || [ "$need_update" -eq 1 ]; then
  update_lists
  package="$(find_package || true)"
fi
[ -n "$package" ] || fail 3 "no linux-image-6.1.0-*-$flavour package in the apt lists${update_note}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# apt downloads as its sandbox user when it can write the directory.
chown _apt "$work" 2>/dev/null || chmod 777 "$work"

download() {
  (cd "$work" && apt-get download -qq "$package:$arch" >&2)
}
echo "fetch-linux-kernel: downloading $package:$arch" >&2
if ! download; then
  # Lists older than the mirror name a file it no longer has: refresh once and retry.
  update_lists
  package="$(find_package || true)"
  [ -n "$package" ] || fail 3 "no linux-image-6.1.0-*-$flavour package in the apt lists${update_note}"
  download || fail 4 "apt-get download $package:$arch failed${update_note}"
fi
deb="$(find "$work" -maxdepth 1 -name '*.deb' | head -n 1)"
[ -n "$deb" ] || fail 4 "apt-get download produced no .deb for $package:$arch"

# Only ./boot is needed: skip unpacking the modules tree (the bulk of the package).
mkdir -p "$work/root"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/root" ./boot || fail 4 "extracting ./boot from $deb failed"

mkdir -p "$cache_dir"
found_any=0
# vmlinuz last and each file renamed into place whole: its presence means the fetch completed.
for f in "$work"/root/boot/System.map-* "$work"/root/boot/config-* "$work"/root/boot/vmlinuz-*; do
  [ -f "$f" ] || continue
  name="$(basename "$f")"
  cp "$f" "$cache_dir/.partial-$name"
  mv -f "$cache_dir/.partial-$name" "$cache_dir/$name"
  found_any=1
done
[ "$found_any" -eq 1 ] || fail 4 "$deb has no /boot/vmlinuz-*"

kernel="$(existing_kernel)" || fail 4 "no vmlinuz-* in $cache_dir after extraction"
echo "$kernel"
