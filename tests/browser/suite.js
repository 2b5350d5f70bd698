#!/usr/bin/env node
// Mizan's browser accessibility suite. Started by run.sh with MIZAN_BASE_URL set to a running
// server. For every page descriptor (pages.js) × language (ar, en) × size (phone, kiosk): axe
// (WCAG 2.0/2.1/2.2 A+AA), lang/dir, accessible names, page weight, target sizes at kiosk
// size, the error summary where one is expected, a screenshot. Then the survey is completed
// with the keyboard only, with JavaScript on and off, in both languages. The kiosk scenarios
// (lib/kiosk.js: idle timeout, "Start again", no script, a reader) run alongside, each on its
// own kiosk, since they mostly wait. No request may leave loopback. Exit status 1 on any failure.
//
//   node suite.js [--only NAME[,NAME…]] [--no-keyboard] [--no-pages] [--no-kiosk]
// (--only takes page names and kiosk scenario names, e.g. kiosk-timeout.)
'use strict';

const fs = require('fs');
const path = require('path');
const { launch, newContext, VIEWPORTS } = require('./lib/browser');
const checks = require('./lib/checks');
const keyboard = require('./lib/keyboard');
const { Nav } = require('./lib/nav');
const site = require('./lib/site');
const kiosk = require('./lib/kiosk');
const PAGES = require('./pages');

const BASE = process.env.MIZAN_BASE_URL;
const SHOTS = process.env.MIZAN_SCREENSHOTS || path.join(__dirname, 'screenshots');
const LANGS = ['ar', 'en'];

function parseArgs(argv) {
  const opts = { only: null, keyboard: true, pages: true, kiosk: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') opts.only = argv[++i].split(',');
    else if (argv[i] === '--no-keyboard') opts.keyboard = false;
    else if (argv[i] === '--no-pages') opts.pages = false;
    else if (argv[i] === '--no-kiosk') opts.kiosk = false;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return opts;
}

const results = []; // { name, problems }
const weights = []; // { name, html, css, total }
const cssSeen = new Map();

function record(name, problems) {
  results.push({ name, problems });
  if (problems.length === 0) console.log(`ok   ${name}`);
  else {
    console.log(`FAIL ${name}`);
    for (const p of problems) console.log(`       - ${p}`);
  }
}

async function checkPage(browser, desc, lang, viewport, screen) {
  const name = `${desc.name} [${lang}, ${viewport}]`;
  const context = await newContext(browser, { viewport });
  if (desc.kiosk) await screen.lend(context);
  const page = await context.newPage();
  checks.trackDocuments(page);
  const problems = [];
  try {
    const nav = desc.kiosk || desc.kioskNav ? new kiosk.KioskNav(page, lang, BASE) : new Nav(page, lang, BASE);
    const found = await desc.reach(nav);
    if (Array.isArray(found)) problems.push(...found);
    if (desc.kiosk && desc.contract !== false) problems.push(...(await kiosk.contract(page, lang, { finished: !!desc.finished })).map((p) => `kiosk markup: ${p}`));
    const status = page.lastDocumentStatus;
    const wantStatus = desc.status || 200;
    if (status !== wantStatus) problems.push(`HTTP status ${status}, expected ${wantStatus}`);

    // Screenshot first, so that what was checked is what is seen (error links move focus).
    await page.screenshot({ path: path.join(SHOTS, `${lang}-${viewport}-${desc.name}.png`), fullPage: true });
    problems.push(...(await checks.langDir(page, lang)));
    problems.push(...(await checks.accessibleNames(page)));
    problems.push(...(await checks.axe(page)));
    const w = await checks.pageWeight(page, cssSeen, desc.budget);
    problems.push(...w.problems);
    if (viewport === 'phone' && lang === 'ar') weights.push({ name: desc.name, ...w });
    if (viewport === 'kiosk') problems.push(...(await checks.targetSizes(page)));
    else {
      problems.push(...(await checks.reflow(page)));
      problems.push(...(await checks.textSpacing(page)));
    }
    if (desc.error) problems.push(...(await checks.errorSummary(page, lang, site.SEL.errorSummary)));
    else if ((await site.state(page)).error) problems.push('an error summary is shown where none was expected');
  } catch (e) {
    problems.push(`could not reach or check the page: ${e.message.split('\n')[0]}`);
    await page.screenshot({ path: path.join(SHOTS, `${lang}-${viewport}-${desc.name}-FAILED.png`), fullPage: true }).catch(() => {});
  }
  for (const url of context.offLoopback) problems.push(`request left loopback: ${url}`);
  if (desc.kiosk) await screen.takeBack(context);
  await context.close();
  record(name, problems);
}

async function keyboardRun(browser, lang, javaScript, viewport) {
  const name = `keyboard-only completion [${lang}, ${viewport}, JavaScript ${javaScript ? 'on' : 'off'}]`;
  const context = await newContext(browser, { viewport, javaScript });
  const page = await context.newPage();
  let problems;
  let stats = null;
  try {
    const shots = javaScript ? (what) => page.screenshot({ path: path.join(SHOTS, `${lang}-${viewport}-${what}.png`) }) : null;
    ({ problems, stats } = await keyboard.complete(page, lang, BASE, { shots }));
  } catch (e) {
    problems = [`stopped: ${e.message.split('\n')[0]} (at ${page.url()})`];
    await page.screenshot({ path: path.join(SHOTS, `${lang}-${viewport}-keyboard-FAILED.png`), fullPage: true }).catch(() => {});
  }
  for (const url of context.offLoopback) problems.push(`request left loopback: ${url}`);
  await context.close();
  record(name, problems);
  if (stats) {
    console.log(`       ${stats.pages} form pages (${stats.errorPages} with errors), ${stats.answered} fields answered, ` +
      `${stats.arrowMoves} arrow moves checked, ${stats.tabStops} Tab stops, ${stats.focusChecked} focus indicators checked`);
  }
}

// Responses for the results pages: at least the default minimum of 10 respondents, so that
// estimates are shown rather than suppressed. Completed through the forms, a few at a time.
const SEED_RESPONSES = 12;
async function seedResponses(browser) {
  const one = async (i) => {
    const context = await newContext(browser, { viewport: 'phone' });
    try {
      await new Nav(await context.newPage(), LANGS[i % 2], BASE).confirmation();
    } finally {
      await context.close();
    }
  };
  for (let i = 0; i < SEED_RESPONSES; i += 3) await Promise.all([i, i + 1, i + 2].map(one));
  console.log(`== seeded ${SEED_RESPONSES} responses through the forms`);
}

async function main() {
  if (!BASE) throw new Error('MIZAN_BASE_URL is not set (run tests/browser/run.sh)');
  const opts = parseArgs(process.argv.slice(2));
  fs.mkdirSync(SHOTS, { recursive: true });
  const browser = await launch();
  try {
    // The kiosk scenarios wait for idle timeouts: start them now, collect them at the end.
    const scenarios = [...(opts.kiosk ? [...kiosk.SCENARIOS, ...require('./results').SCENARIOS] : []), ...require('./citizen').SCENARIOS].filter((s) => !opts.only || opts.only.includes(s.name));
    const running = scenarios.map((s) =>
      s.run(browser, BASE, SHOTS).then(
        (problems) => record(s.what, problems),
        (e) => record(s.what, [`stopped: ${e.message.split('\n')[0]}`]),
      ),
    );
    if (running.length) console.log(`== ${running.length} kiosk scenario(s) running alongside (idle ${kiosk.IDLE} s)`);
    if (opts.pages) {
      const descs = PAGES.filter((d) => !opts.only || opts.only.includes(d.name));
      const screen = new kiosk.KioskScreen(browser, BASE);
      if (descs.some((d) => d.kiosk)) record('kiosk: enrolment (303 to /kiosk), the code works once', await screen.enrol());
      for (const viewport of Object.keys(VIEWPORTS)) {
        for (const lang of LANGS) {
          for (const d of descs) {
            if (d.viewports && !d.viewports.includes(viewport)) continue;
            if (d.langs && !d.langs.includes(lang)) continue;
            await checkPage(browser, d, lang, viewport, screen);
          }
        }
      }
      const cssProblems = [];
      for (const [href, c] of cssSeen) {
        if (c.status !== 200) cssProblems.push(`${href}: HTTP ${c.status}`);
        cssProblems.push(...checks.logicalCss(c.text, href));
      }
      if (cssSeen.size) record('stylesheets use logical properties only', cssProblems);
    }
    if (opts.keyboard) {
      for (const javaScript of [true, false]) {
        for (const lang of LANGS) await keyboardRun(browser, lang, javaScript, 'phone');
      }
      await keyboardRun(browser, 'ar', true, 'kiosk');
    }
    await Promise.all(running);
  } finally {
    await browser.close();
  }

  if (weights.length) {
    console.log('\npage weight (Arabic, phone; bytes uncompressed, budget %d unless shown):', checks.WEIGHT_BUDGET);
    for (const w of weights) console.log(`  ${w.name.padEnd(20)} HTML ${String(w.html).padStart(6)}  CSS ${String(w.css).padStart(6)}  total ${String(w.total).padStart(6)}${w.budget !== checks.WEIGHT_BUDGET ? `  (budget ${w.budget})` : ''}`);
  }
  const failed = results.filter((r) => r.problems.length);
  console.log(`\n${results.length - failed.length} passed, ${failed.length} failed; screenshots in ${SHOTS}`);
  process.exitCode = failed.length ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
