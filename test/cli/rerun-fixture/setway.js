/* global process */
// A stand-in for the setway command (the name the rerun looks for): rerun once, report both sides.
import { register } from 'tsx/esm/api';

register();
const { rerunSingleThreaded } = await import('../../../src/cli/single-threaded-rerun.ts');
if (process.execArgv.includes('--single-threaded')) {
  process.stdout.write(`rerun with ${process.execArgv.join(' ')}: ${process.argv.slice(2).join(' ')}\n`);
  process.exitCode = Number(process.env.RERUN_EXIT ?? 0);
} else {
  const code = rerunSingleThreaded();
  process.stdout.write(`first process got ${code}\n`);
}
