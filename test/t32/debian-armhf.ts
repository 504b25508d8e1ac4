/**
 * Debian armhf packages fetched at test time: `apt-get download <package>:armhf` (after `dpkg
 * --add-architecture armhf` and `apt-get update` when armhf is not configured yet), unpacked with
 * `dpkg-deb -x` into a directory under the system's temporary directory, kept there for later runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function run(cmd: string, args: string[], cwd?: string): string | null {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  return r.status === 0 ? null : `${cmd} ${args.join(' ')}: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().slice(0, 300)}`;
}

/**
 * The path of `file` (relative to the package's root, e.g. `usr/lib/...`) in the unpacked armhf
 * package `name`, or why it could not be fetched.
 */
export function fetchArmhfFile(name: string, file: string): string | { path: string } {
  const cache = join(tmpdir(), `setway-${name}`);
  const path = join(cache, 'x', file);
  if (existsSync(path)) return { path };
  mkdirSync(cache, { recursive: true });
  const arches = spawnSync('dpkg', ['--print-foreign-architectures'], { encoding: 'utf8' });
  if (arches.status !== 0) return 'dpkg is not available';
  if (!arches.stdout.split('\n').includes('armhf')) {
    const why = run('dpkg', ['--add-architecture', 'armhf']) ?? run('apt-get', ['update']);
    if (why !== null) return why;
  }
  const why = run('apt-get', ['download', `${name}:armhf`], cache);
  if (why !== null) return why;
  const deb = readdirSync(cache).find((f) => f.startsWith(`${name}_`) && f.endsWith('_armhf.deb'));
  if (deb === undefined) return 'apt-get download left no .deb';
  const unpack = run('dpkg-deb', ['-x', deb, 'x'], cache);
  if (unpack !== null) return unpack;
  return existsSync(path) ? { path } : `${name}:armhf has no ${file}`;
}

/** The version of the .deb fetched for `name` (from its file name), for reports. */
export function fetchedArmhfVersion(name: string): string {
  const deb = readdirSync(join(tmpdir(), `setway-${name}`)).find((f) => f.startsWith(`${name}_`) && f.endsWith('_armhf.deb'));
  return deb === undefined ? 'unknown' : decodeURIComponent(deb.slice(name.length + 1, -'_armhf.deb'.length));
}
