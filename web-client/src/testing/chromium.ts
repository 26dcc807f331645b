import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/**
 * Debian's Chromium (scripts/bootstrap.mjs installs the `chromium` package): playwright cannot
 * download its own browser here. The binary itself, not the /usr/bin/chromium wrapper script.
 */
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/lib/chromium/chromium';

export const chromiumInstalled = () => existsSync(CHROMIUM);

/** A headless Chromium with fake camera and microphone that may use loopback ICE candidates. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox', // root, in a test
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--allow-loopback-in-peer-connection',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-gpu',
    ],
  });
}
