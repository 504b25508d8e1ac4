/** The A64 executor's handler table, indexed by A64Op (one function per decoded operation kind). */
import { A64Op } from '../../decode/a64/instruction';
import { aluHandlers, type Handler } from './handlers-alu';
import { branchHandlers } from './handlers-branch';
import { memoryHandlers } from './handlers-memory';
import { systemHandlers } from './handlers-system';

function buildTable(): Handler[] {
  const all: Record<number, Handler> = { ...aluHandlers, ...branchHandlers, ...memoryHandlers, ...systemHandlers };
  const table: Handler[] = [];
  for (const [name, op] of Object.entries(A64Op)) {
    const h = all[op];
    if (h === undefined) throw new Error(`A64 executor: no handler for A64Op.${name}`);
    table[op] = h;
  }
  return table;
}

export const HANDLERS: readonly Handler[] = buildTable();
