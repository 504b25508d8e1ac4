/**
 * 4 KiB frames of hypervisor-owned physical memory, for the p2m's translation tables. The region
 * it hands out is one the guest's stage 2 never maps, as a hypervisor keeps its own heap.
 */

import { PAGE_SIZE, type PhysicalMemory } from './physical-memory';
import { hex } from './u64';

export class FrameAllocatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameAllocatorError';
  }
}

const ZERO_FRAME = new Uint8Array(PAGE_SIZE);

export class FrameAllocator {
  private next: number;
  private readonly end: number;
  private readonly freeList: number[] = [];
  private inUse = 0;

  constructor(
    private readonly mem: PhysicalMemory,
    readonly base: number,
    readonly size: number,
  ) {
    if (base % PAGE_SIZE !== 0 || size % PAGE_SIZE !== 0 || size <= 0) {
      throw new FrameAllocatorError(`frame region ${hex(base)}+${hex(size)} is not page aligned`);
    }
    if (!mem.isRam(base, size)) {
      throw new FrameAllocatorError(`frame region ${hex(base)}+${hex(size)} is not backed by RAM`);
    }
    this.next = base;
    this.end = base + size;
  }

  /** Frames currently handed out. */
  get framesInUse(): number {
    return this.inUse;
  }

  /** One zeroed frame. */
  allocate(): number {
    const reused = this.freeList.pop();
    if (reused !== undefined) {
      // A reused frame holds old descriptors: zero it, as a hypervisor clears a fresh table.
      this.mem.writeBytes(reused, ZERO_FRAME);
      this.inUse++;
      return reused;
    }
    return this.allocateContiguous(1, PAGE_SIZE);
  }

  /**
   * `count` physically contiguous zeroed frames aligned to `align` bytes (a concatenated stage 2
   * root must be aligned to its total size, D17 "VTTBR_EL2", BADDR). Taken from the untouched
   * part of the region, so they read as zero without being written.
   */
  allocateContiguous(count: number, align: number): number {
    const start = Math.ceil(this.next / align) * align;
    const stop = start + count * PAGE_SIZE;
    if (stop > this.end) {
      throw new FrameAllocatorError(
        `out of hypervisor frames: ${count} frame(s) aligned to ${hex(align)} do not fit in ${hex(this.base)}+${hex(this.size)}`,
      );
    }
    // Skipped alignment padding goes to the free list rather than being lost.
    for (let pad = this.next; pad < start; pad += PAGE_SIZE) this.freeList.push(pad);
    this.next = stop;
    this.inUse += count;
    return start;
  }

  free(frame: number): void {
    if (frame % PAGE_SIZE !== 0 || frame < this.base || frame >= this.end) {
      throw new FrameAllocatorError(`frame ${hex(frame)} was not allocated from ${hex(this.base)}+${hex(this.size)}`);
    }
    this.freeList.push(frame);
    this.inUse--;
  }
}
