#!/usr/bin/env node
// static/kiosk.js on its own, in the real browser, with seconds instead of minutes: small pages
// with the kiosk's markup (as src/web/views/layout.rs writes it) and the kiosk's CSP, served
// from loopback with a still-here endpoint that answers 204 or 410. Needs no Mizan server; run
// by run.sh before the suite. The suite's kiosk scenarios then prove the same against the
// server at the real 60 s.
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const { launch, newContext } = require('./lib/browser');

const ROOT = path.join(__dirname, '..', '..');
const SCRIPT = fs.readFileSync(path.join(ROOT, 'static', 'kiosk.js'));
const CSS = fs.readFileSync(path.join(ROOT, 'static', 'mizan.css'));
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'self'";

const TEXT = {
  ar: { still: 'هل ما زلت هنا؟', more: 'أحتاج إلى مزيد من الوقت', clears: (n) => `ستعود الشاشة إلى البداية خلال <span id="kiosk-idle-countdown">${n}</span> ثانية.` },
  en: { still: 'Are you still there?', more: 'I need more time', clears: (n) => `The screen will start again in <span id="kiosk-idle-countdown">${n}</span> seconds.` },
};
const arDigits = (s) => String(s).replace(/[0-9]/g, (d) => '٠١٢٣٤٥٦٧٨٩'[d]);

function kioskPage({ lang = 'ar', idle = 4, warn = 2, gone = false, script = true, body = '' }) {
  const t = TEXT[lang];
  const n = lang === 'ar' ? arDigits(warn) : String(warn);
  const still = gone ? '/still-here-gone' : '/still-here';
  return `<!DOCTYPE html><html lang="${lang}" dir="${lang === 'ar' ? 'rtl' : 'ltr'}"><head><meta charset="utf-8"><title>kiosk</title>
<link rel="stylesheet" href="/s.css">${script ? '<script src="/kiosk.js" defer></script>' : ''}</head>
<body class="kiosk" data-idle-seconds="${idle}" data-warn-seconds="${warn}" data-timeout-href="/start?timeout=1">
<header class="header"><div class="width"><span class="header-name">site</span></div></header>
<div class="width"><main id="main"><h1>page</h1>${body}</main></div>
<dialog id="kiosk-idle-warning" class="kiosk-idle-warning" aria-labelledby="kiosk-idle-title" aria-describedby="kiosk-idle-text"><h2 id="kiosk-idle-title" class="heading-m">${t.still}</h2><p id="kiosk-idle-text" class="body">${t.clears(n)}</p><button type="button" id="kiosk-more-time" class="button">${t.more}</button></dialog>
<form id="kiosk-still-here" method="post" action="${still}" hidden><input type="hidden" name="csrf" value="token-123"></form>
</body></html>`;
}

const FORM = `<form method="post" action="/next" autocomplete="on"><fieldset><legend>q</legend>
<div class="choice"><input class="choice-input" type="radio" id="q" name="q" value="1"><label class="choice-label" for="q">1</label></div>
<div class="choice"><input class="choice-input" type="radio" id="q-2" name="q" value="2"><label class="choice-label" for="q-2">2</label></div></fieldset>
<label for="t">t</label><input id="t" name="t" type="text"><button type="submit" class="button">go</button></form><p><a id="away" href="/other">away</a></p>`;

const PAGES = {
  '/warn-ar': () => kioskPage({ lang: 'ar', idle: 4, warn: 2 }),
  '/warn-en': () => kioskPage({ lang: 'en', idle: 4, warn: 2 }),
  '/short': () => kioskPage({ idle: 3, warn: 1 }),
  '/gone': () => kioskPage({ idle: 4, warn: 3, gone: true }),
  '/form': () => kioskPage({ idle: 60, warn: 30, body: FORM }),
  '/form-without-script': () => kioskPage({ idle: 60, warn: 30, body: FORM, script: false }),
  '/other': () => kioskPage({ idle: 60, warn: 30, body: '<p>other</p>' }),
  '/start': () => kioskPage({ idle: 60, warn: 30, body: '<p>start</p>' }),
};

const pings = [];

function serve() {
  return http.createServer((req, res) => {
    const url = req.url.split('?')[0];
    if (req.method === 'POST' && url.startsWith('/still-here')) {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        pings.push({ t: Date.now(), type: req.headers['content-type'] || '', body });
        res.writeHead(url === '/still-here-gone' ? 410 : 204);
        res.end();
      });
      return;
    }
    if (url === '/kiosk.js') { res.writeHead(200, { 'content-type': 'text/javascript' }); return res.end(SCRIPT); }
    if (url === '/s.css') { res.writeHead(200, { 'content-type': 'text/css' }); return res.end(CSS); }
    const page = PAGES[url];
    res.writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP, 'cache-control': 'no-store' });
    res.end(page ? page() : 'not found');
  });
}

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const assert = (ok, what) => {
  if (!ok) throw new Error(what);
};
const open = async (page, sel = '#kiosk-idle-warning') => page.evaluate((s) => document.querySelector(s).open, sel);
const waitOpen = (page, ms) => page.waitForFunction(() => document.querySelector('#kiosk-idle-warning').open, null, { timeout: ms, polling: 100 });

test('the warning opens at idle − warn with focus on "I need more time", Arabic digits, not a live region', async (page, base) => {
  await page.goto(`${base}/warn-ar`);
  const t0 = Date.now();
  assert(!(await open(page)), 'the warning is open at load');
  await waitOpen(page, 5000);
  const after = (Date.now() - t0) / 1000;
  assert(after >= 1.5 && after <= 3.5, `opened after ${after.toFixed(1)} s, expected about 2`);
  const st = await page.evaluate(() => ({
    focus: document.activeElement.id,
    modal: document.querySelector('#kiosk-idle-warning').matches(':modal'),
    count: document.querySelector('#kiosk-idle-countdown').textContent,
    live: !!document.querySelector('#kiosk-idle-warning [aria-live]:not([aria-live="off"]), #kiosk-idle-warning[aria-live]'),
  }));
  assert(st.focus === 'kiosk-more-time', `focus on #${st.focus}`);
  assert(st.modal, 'not modal');
  assert(/^[١٢]$/.test(st.count), `countdown "${st.count}" is not in Arabic-Indic digits`);
  assert(!st.live, 'the countdown is in a live region');
});

test('"I need more time" closes the warning, restarts the count and posts still-here (urlencoded, with the CSRF token)', async (page, base) => {
  await page.goto(`${base}/warn-en`);
  await waitOpen(page, 5000);
  const n = pings.length;
  await page.click('#kiosk-more-time');
  const clicked = Date.now();
  assert(!(await open(page)), 'still open after the click');
  await page.waitForTimeout(300);
  const p = pings.slice(n);
  assert(p.length === 1, `${p.length} still-here posts, expected 1`);
  assert(p[0].type.startsWith('application/x-www-form-urlencoded'), `still-here sent as ${p[0].type}`);
  assert(p[0].body === 'csrf=token-123', `still-here body "${p[0].body}"`);
  await waitOpen(page, 5000);
  const again = (Date.now() - clicked) / 1000;
  assert(again >= 1.5, `the warning came back after ${again.toFixed(1)} s, expected about 2`);
  assert(page.url().endsWith('/warn-en'), `left the page: ${page.url()}`);
});

test('Esc on the warning is "I need more time"', async (page, base) => {
  await page.goto(`${base}/warn-en`);
  await waitOpen(page, 5000);
  const n = pings.length;
  await page.keyboard.press('Escape');
  await page.waitForTimeout(300);
  assert(!(await open(page)), 'still open after Esc');
  assert(pings.length === n + 1, 'Esc posted no still-here');
  assert(page.url().endsWith('/warn-en'), `left the page: ${page.url()}`);
});

test('at 0 the page is replaced by the timeout address (Back does not return to it)', async (page, base) => {
  await page.goto(`${base}/start`);
  await page.goto(`${base}/short`);
  const len = await page.evaluate(() => history.length);
  const t0 = Date.now();
  await page.waitForURL(/\/start\?timeout=1$/, { timeout: 6000 });
  const after = (Date.now() - t0) / 1000;
  assert(after >= 2.5 && after <= 4.5, `left after ${after.toFixed(1)} s, expected 3`);
  assert((await page.evaluate(() => history.length)) === len, 'the timeout added a history entry (location.replace expected)');
  await page.goBack();
  assert(page.url().endsWith('/start'), `Back led to ${page.url()}, not the page before`);
});

test('still-here answered 410 (the server already dropped the answers): leave at once', async (page, base) => {
  await page.goto(`${base}/gone`);
  await waitOpen(page, 3000);
  const t0 = Date.now();
  await page.click('#kiosk-more-time');
  await page.waitForURL(/\/start\?timeout=1$/, { timeout: 2000 });
  assert(Date.now() - t0 < 1500, 'left late');
});

test('activity (keys, pointer, wheel) keeps the warning away', async (page, base) => {
  await page.goto(`${base}/warn-en`);
  for (let i = 0; i < 6; i++) {
    await page.waitForTimeout(700);
    if (i % 3 === 0) await page.keyboard.press('Shift');
    else if (i % 3 === 1) await page.mouse.click(5, 300);
    else await page.mouse.wheel(0, 50);
    assert(!(await open(page)), `the warning opened during activity (step ${i})`);
  }
  await waitOpen(page, 4000);
});

test('a page shown again from history has its fields reset to what the server sent', async (page, base) => {
  // Without the script the browser restores the entries (so the test can fail)…
  for (const [url, restored] of [['/form-without-script', true], ['/form', false]]) {
    await page.goto(`${base}${url}`);
    await page.check('#q-2');
    await page.fill('#t', 'previous person');
    await Promise.all([page.waitForNavigation(), page.click('#away')]);
    await page.goBack({ waitUntil: 'load' });
    await page.waitForTimeout(300);
    const st = await page.evaluate(() => ({ q: document.querySelector('#q-2').checked, t: document.querySelector('#t').value }));
    const shows = st.q || st.t === 'previous person';
    assert(shows === restored, `${url}: after Back the page shows ${JSON.stringify(st)} (${restored ? 'the browser was expected to restore them' : 'expected empty'})`);
  }
});

async function main() {
  const server = serve();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await launch();
  let failed = 0;
  try {
    for (const t of tests) {
      const context = await newContext(browser, { viewport: 'kiosk', bypassCSP: false });
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => { if (/Content Security Policy|Refused/i.test(m.text())) errors.push(m.text()); });
      try {
        await t.fn(page, base);
        if (errors.length) throw new Error(`script errors: ${errors.join('; ')}`);
        console.log(`ok   kiosk script: ${t.name}`);
      } catch (e) {
        failed++;
        console.log(`FAIL kiosk script: ${t.name}\n       - ${e.message.split('\n')[0]}`);
      }
      await context.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
