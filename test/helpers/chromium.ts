// Debian's chromium for the browser tests: found at /usr/bin/chromium, installed with apt-get when the tests
// run as root (CI machines start without it), and otherwise a failure that names the package to install.
// The browser tests never skip: a console nobody clicked through is not tested.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet headless run: no sandbox (root in a container), no network chatter of its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** apt-get downloads and unpacks ~300 MB: give a hook that calls ensureChromium() this long. */
export const CHROMIUM_INSTALL_TIMEOUT_MS = 10 * 60_000;

/** The chromium executable's path, installing the Debian package first if it is missing and we are root. */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: install the Debian package \`chromium\` (sudo apt-get install -y chromium), then run the tests again`,
    );
  }
  const result = spawnSync('sh', ['-c', 'apt-get update && apt-get install -y chromium'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
    timeout: CHROMIUM_INSTALL_TIMEOUT_MS - 30_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0 || !existsSync(CHROMIUM_PATH)) {
    const tail = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    const why = result.error !== undefined ? result.error.message : `exit ${result.status}`;
    throw new Error(`installing the Debian package \`chromium\` with apt-get failed (${why}):\n${tail}`);
  }
  return CHROMIUM_PATH;
}
