/** The executor's handler table, indexed by A32Op (one function per decoded operation kind). */
import { A32Op } from '../../decode/a32/index';
import { aluHandlers, type Handler } from './handlers-alu';
import { memoryHandlers } from './handlers-memory';
import { systemHandlers } from './handlers-system';

function buildTable(): Handler[] {
  const all: Record<number, Handler> = { ...aluHandlers, ...memoryHandlers, ...systemHandlers };
  const table: Handler[] = [];
  for (const [name, op] of Object.entries(A32Op)) {
    const h = all[op];
    if (h === undefined) throw new Error(`A32 executor: no handler for A32Op.${name}`);
    table[op] = h;
  }
  return table;
}

export const HANDLERS: readonly Handler[] = buildTable();
