/**
 * Debian's Chromium as the e2e tests, the layout test, the screenshot script and the panel benchmark
 * start it (`bash scripts/e2e/install.sh` installs it). Without the background-networking flags it
 * tries, and fails, to reach Google's hosts from a machine with no network.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS: string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
