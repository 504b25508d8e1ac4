/** A guest ready to run: the machine, its one VM and vCPU, and the instruction budget. */
import type { Machine } from '../../hyp/machine';
import type { Vcpu } from '../../hyp/vcpu';
import type { Vm } from '../../hyp/vm';

export interface GuestRun {
  readonly machine: Machine;
  readonly vm: Vm;
  readonly vcpu: Vcpu;
  readonly budget: number;
}
