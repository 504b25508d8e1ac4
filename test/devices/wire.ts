import type { InterruptLine } from '../../src/devices/mmio-device';

/** An InterruptLine that remembers its level and every change. */
export class Wire implements InterruptLine {
  level = false;
  readonly changes: boolean[] = [];
  set(level: boolean): void {
    this.level = level;
    this.changes.push(level);
  }
}
