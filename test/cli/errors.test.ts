/** Errors a user or a guest can cause end in their documented exit code, never 70 (README). */
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/cli/errors';
import { EXIT } from '../../src/cli/exit-codes';
import { HeisenbugError } from '../../src/scenarios/heisenbug';

describe('classifyError', () => {
  it('firmware that never reaches "Starting kernel" in the heisenbug chain is bad input (exit 3), in one line without the class name', () => {
    const r = classifyError(new HeisenbugError('U-Boot did not reach "Starting kernel" on bare metal: guest failed'));
    expect(r.exitCode).toBe(EXIT.input);
    expect(r.message).toBe('U-Boot did not reach "Starting kernel" on bare metal: guest failed');
  });

  it('an error nobody typed is a bug in setway (exit 70)', () => {
    expect(classifyError(new Error('oops')).exitCode).toBe(EXIT.internal);
  });
});
