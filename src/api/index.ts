/**
 * The setway library API: the same operations as the command line, typed.
 *
 *   import { machine, scenarios, policies, syndromes, platform } from 'setway';
 *   import * as arbitraries from 'setway/arbitraries';   // needs fast-check (a peer dependency)
 *
 * The arbitraries live in their own entry point (src/api/arbitraries.ts) so that importing the
 * emulator never loads fast-check. Nothing below src/api imports this file; it only re-exports.
 */
import * as machineModule from './machine';
import * as scenariosModule from './scenarios';
import * as policiesModule from './policies';
import * as syndromesModule from './syndromes';
import * as platformModule from './platform';

export const machine = machineModule;
export const scenarios = scenariosModule;
export const policies = policiesModule;
export const syndromes = syndromesModule;
export const platform = platformModule;

export type { SetWayPolicy, PolicyHost, FlushScope, FlushResult, PolicyOptions, PreemptionCount } from '../hyp/policy';
export type { MachineOptions, RunResult } from '../hyp/machine';
export type { MigrationMode } from '../hyp/scheduler';
export type { ScenarioResult } from '../scenarios/result';
export type { TrappedVcpu, TrapDetail, El2Gate } from '../exec/el2-gate';
export type { CoprocAccess, SysAccess } from '../decode/system-access';
export type { Syndrome } from '../exec/syndrome/decode';
