// Launching Debian's Chromium through playwright-core with the verified recipe
// (docs: /shared accessibility recipe), and a guard that records every request that would
// leave loopback. The resolver rule already makes such requests fail; the guard makes them a
// test failure instead of a silent broken image or stylesheet.
'use strict';

const { chromium } = require('playwright-core');

const CHROMIUM = process.env.MIZAN_CHROMIUM || '/usr/bin/chromium';

const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  kiosk: { width: 1080, height: 1920 },
};

function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
}

/** True for URLs that stay on this machine (or never touch the network). */
function isLoopback(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (['data:', 'blob:', 'about:'].includes(u.protocol)) return true;
  return ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}

/**
 * A fresh context (no cookies, so no session carried between checks).
 * `offLoopback` collects every request that would leave the machine. `bypassCSP: false` for
 * the kiosk scenarios, where the page's own script must run under the page's real CSP.
 */
async function newContext(browser, { viewport = 'phone', javaScript = true, bypassCSP = true } = {}) {
  const context = await browser.newContext({
    viewport: VIEWPORTS[viewport],
    javaScriptEnabled: javaScript,
    // axe is injected as a script tag; the server's CSP forbids inline scripts, as it should.
    bypassCSP,
    locale: 'en-GB',
    timezoneId: 'Asia/Baghdad',
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(15000);
  context.offLoopback = [];
  context.on('request', (req) => {
    if (!isLoopback(req.url())) context.offLoopback.push(req.url());
  });
  return context;
}

module.exports = { launch, newContext, isLoopback, VIEWPORTS, LAUNCH_ARGS };
