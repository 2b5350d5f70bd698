// The results report at phone (360 px) and desktop (1280 px) width, in Arabic and English:
// the headline page (figures, trend and ranked charts), one question's tables and a crosstab.
// Each state gets the suite's checks (axe with zero violations, lang/dir, accessible names, no
// sideways scrolling at 320 px, text spacing), a check that chart text is at least 14 px, and a
// full-page screenshot named results-<what>-<lang>-<width>.png.
// Responses: the scenario completes the example survey through the forms until the server
// holds enough for estimates to show (a server seeded beforehand, e.g. with two waves, keeps
// its own).
'use strict';

const path = require('path');
const { newContext } = require('./lib/browser');
const checks = require('./lib/checks');
const { Nav } = require('./lib/nav');

const WIDTHS = { 360: { width: 360, height: 800 }, 1280: { width: 1280, height: 900 } };
const STATES = [
  { what: 'headline', path: '/results/citizen-security' },
  { what: 'question', path: '/results/citizen-security/q/trust_police' },
  { what: 'crosstab', path: '/results/citizen-security/crosstab?q=trust_police&by=gender' },
];
const ENOUGH = 12;

async function context(browser, size) {
  const c = await newContext(browser, { viewport: 'phone' });
  const page = await c.newPage();
  await page.setViewportSize(WIDTHS[size]);
  return { c, page };
}

/** Responses stored so far, read from the results page (its "Responses: N" line). */
async function stored(browser, base) {
  const { c, page } = await context(browser, 1280);
  try {
    const nav = new Nav(page, 'en', base);
    await nav.results('/results/citizen-security');
    const text = await page.textContent('main');
    const m = /Responses: (\d+)/.exec(text || '');
    return m ? Number(m[1]) : 0;
  } finally {
    await c.close();
  }
}

async function seed(browser, base, n) {
  const one = async (i) => {
    const c = await newContext(browser, { viewport: 'phone' });
    try {
      await new Nav(await c.newPage(), i % 2 ? 'en' : 'ar', base).confirmation();
    } finally {
      await c.close();
    }
  };
  for (let i = 0; i < n; i += 3) await Promise.all([i, i + 1, i + 2].filter((k) => k < n).map(one));
}

/** Text inside the report's charts smaller than 14 CSS pixels as drawn. */
async function smallChartText(page) {
  return page.$$eval('svg.chart-small text', (texts) =>
    texts
      .map((t) => ({ text: t.textContent, h: parseFloat(getComputedStyle(t).fontSize) * (t.ownerSVGElement.getBoundingClientRect().width / t.ownerSVGElement.viewBox.baseVal.width) }))
      .filter((t) => t.h < 13.95)
      .map((t) => `chart text "${t.text}" drawn at ${t.h.toFixed(1)} px`),
  );
}

async function run(browser, base, shots) {
  const problems = [];
  const have = await stored(browser, base);
  if (have < ENOUGH) await seed(browser, base, ENOUGH - have);
  for (const size of Object.keys(WIDTHS)) {
    for (const lang of ['ar', 'en']) {
      for (const s of STATES) {
        const name = `${s.what} [${lang}, ${size} px]`;
        const { c, page } = await context(browser, size);
        checks.trackDocuments(page);
        try {
          const nav = new Nav(page, lang, base);
          await nav.results(s.path);
          await nav.visit(s.path);
          if (page.lastDocumentStatus !== 200) problems.push(`${name}: HTTP ${page.lastDocumentStatus}`);
          await page.screenshot({ path: path.join(shots, `results-${s.what}-${lang}-${size}.png`), fullPage: true });
          const found = [
            ...(await checks.langDir(page, lang)),
            ...(await checks.accessibleNames(page)),
            ...(await checks.axe(page)),
            ...(await smallChartText(page)),
          ];
          if (size === '360') found.push(...(await checks.reflow(page)), ...(await checks.textSpacing(page)));
          problems.push(...found.map((p) => `${name}: ${p}`));
        } catch (e) {
          problems.push(`${name}: ${e.message.split('\n')[0]}`);
        }
        for (const url of c.offLoopback) problems.push(`${name}: request left loopback: ${url}`);
        await c.close();
      }
    }
  }
  return problems;
}

const SCENARIOS = [
  { name: 'results-report', what: 'results report: headline, a question, a crosstab [ar, en; 360 and 1280 px]', run },
];

module.exports = { SCENARIOS };
