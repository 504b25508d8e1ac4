/** A machine that cannot be built as asked (guest RAM size, p2m leaf size): says which option and why. */
export class MachineConfigError extends Error {
  override name = 'MachineConfigError';
}
