/**
 * The target description GDB reads with `qXfer:features:read:target.xml` (GDB manual, "Target
 * Descriptions"): the architecture name and one feature with the core registers, written from the
 * register layout so that the `g` packet and the description cannot disagree.
 */
import { REGISTER_LAYOUTS, type DebugIsa } from './registers';

const ARCHITECTURE: Record<DebugIsa, string> = { a32: 'arm', a64: 'aarch64' };
const CORE_FEATURE: Record<DebugIsa, string> = { a32: 'org.gnu.gdb.arm.core', a64: 'org.gnu.gdb.aarch64.core' };

export function targetXml(isa: DebugIsa): string {
  const regs = REGISTER_LAYOUTS[isa].map(
    (r) => `    <reg name="${r.name}" bitsize="${r.bits}" regnum="${r.regnum}" type="${r.type ?? (r.bits === 64 ? 'int64' : 'int32')}"/>`,
  );
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE target SYSTEM "gdb-target.dtd">',
    '<target version="1.0">',
    `  <architecture>${ARCHITECTURE[isa]}</architecture>`,
    `  <feature name="${CORE_FEATURE[isa]}">`,
    ...regs,
    '  </feature>',
    '</target>',
    '',
  ].join('\n');
}

/**
 * `qXfer:features:read:ANNEX:OFFSET,LENGTH`: `m` and a slice when more follows, `l` and the rest
 * at the end (the slice is binary data, escaped by the caller). Null for an annex we do not have.
 */
export function featuresSlice(isa: DebugIsa, annex: string, offset: number, length: number): { more: boolean; data: string } | null {
  if (annex !== 'target.xml') return null;
  const xml = targetXml(isa);
  const data = xml.slice(offset, offset + length);
  return { more: offset + length < xml.length, data };
}
