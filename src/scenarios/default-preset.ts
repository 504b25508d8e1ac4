/**
 * The cache preset a scenario runs on when none is given: the Cubietruck for A32 (the board of the
 * seed bug), and for A64 the Cortex-A53 that QEMU's virt board reports (L1 and L2 up to the LoC).
 * On both a set/way flush reaches memory, so what a policy loses shows. The `server` preset keeps
 * a system cache beyond set/way reach: there the guest's own flush leaves memory stale on bare
 * metal too, no policy can lose more, and passthrough would look safe; choose it explicitly.
 */
export function defaultPreset(isa: 'a32' | 'a64'): string {
  return isa === 'a32' ? 'cubietruck' : 'qemu-cortex-a53';
}
