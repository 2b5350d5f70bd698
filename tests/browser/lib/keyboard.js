// Completing the example survey with the keyboard only: Tab, arrow keys, Space and Enter (and
// typing into text fields). At every Tab stop the focus indicator is checked; the first
// question page is submitted empty once, and focus must land on the error summary.
'use strict';

const site = require('./site');
const checks = require('./checks');
const { SEL } = site;

async function active(page) {
  return page.evaluate((SEL) => {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: 'body' };
    return {
      tag: el.tagName.toLowerCase(),
      type: el.type || '',
      id: el.id,
      name: el.name || '',
      checked: !!el.checked,
      isSubmit: el.matches(SEL.submit),
      isStart: el.matches(SEL.start),
      isSurveyLink: el.matches(`${SEL.main} a[href]`) && !el.matches(SEL.back),
      isLangSwitch: el.matches(SEL.langSwitch),
      index: [...document.querySelectorAll('*')].indexOf(el),
      value: el.value,
    };
  }, SEL);
}

async function checkedIn(page, name) {
  return page.$$eval(`input[name="${name}"]`, (is) => is.findIndex((i) => i.checked));
}

/** Press Enter and wait for the page it loads. */
async function enterAndWait(page) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
}

/**
 * Tab forward until `want(activeInfo)` holds; checks the focus indicator at each stop.
 * Returns the active element info, or null after `limit` stops.
 */
async function tabTo(page, want, ctx, limit = 80) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const a = await active(page);
    await noteFocus(page, a, ctx);
    if (want(a)) return a;
  }
  return null;
}

async function noteFocus(page, a, ctx) {
  ctx.stats.tabStops++;
  if (a.tag === 'body') return;
  const key = `${page.url().split('?')[0]}#${a.index}`;
  if (ctx.focusSeen.has(key)) return;
  ctx.focusSeen.add(key);
  ctx.stats.focusChecked++;
  for (const p of await checks.focusVisible(page, ctx.unfocused)) ctx.problems.push(`${ctx.where()}: ${p}`);
  if (ctx.shots && !ctx.shotKinds.has(a.type || a.tag)) {
    ctx.shotKinds.add(a.type || a.tag);
    await ctx.shots(`focus-${a.type || a.tag}`);
  }
}

/**
 * Complete the survey from the list of surveys to the confirmation. Returns problems (empty:
 * the survey was completed and every check on the way held).
 */
async function complete(page, lang, base, { shots } = {}) {
  const problems = [];
  const stats = { pages: 0, tabStops: 0, focusChecked: 0, answered: 0, arrowMoves: 0, errorPages: 0 };
  const ctx = { problems, stats, focusSeen: new Set(), unfocused: null, shots, shotKinds: new Set(), where: () => '' };
  const fail = (why) => ({ problems: [...problems, why], stats });
  // WCAG 3.2.2: choosing, ticking or typing never loads another page; only the button does.
  let loads = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) loads++;
  });
  const rtl = lang === 'ar';
  const next = rtl ? 'ArrowLeft' : 'ArrowRight';
  const prev = rtl ? 'ArrowRight' : 'ArrowLeft';

  // The list of surveys in Arabic (the default); English by the header's language switch.
  await page.goto(new URL('/', base).href, { waitUntil: 'load' });
  const pageStart = async () => {
    ctx.unfocused = await checks.focusStyleSnapshot(page);
    const st = await site.state(page);
    ctx.where = () => `"${st.title}"`;
    return st;
  };
  await pageStart();
  const current = await page.evaluate(() => document.documentElement.lang);
  if (current !== lang) {
    if (!(await tabTo(page, (a) => a.isLangSwitch, ctx))) return fail('could not Tab to the language switch');
    await enterAndWait(page);
    await pageStart();
  }
  if (!(await tabTo(page, (a) => a.isSurveyLink, ctx))) return fail('could not Tab to a survey link on the list');
  await enterAndWait(page);
  await pageStart();
  if (!(await tabTo(page, (a) => a.isStart, ctx))) return fail('could not Tab to "Start now"');
  await enterAndWait(page);

  let failedOnce = false;
  let confirmed = false;
  const attempts = {};
  for (let pageNo = 0; pageNo < 80 && !confirmed; pageNo++) {
    const st = await pageStart();
    stats.pages++;
    if (st.error) {
      stats.errorPages++;
      const focused = await checks.autofocusSettled(page, SEL.errorSummary);
      if (!focused) problems.push(`${ctx.where()}: after a failed submit, focus is not on the error summary`);
      const m = await site.model(page);
      for (const id of await site.errorFields(page)) {
        const g = m.groups.find((x) => x.firstId === id || x.name === id || (x.ids || []).includes(id));
        if (g) attempts[g.name] = (attempts[g.name] || 0) + 1;
      }
    }
    if (!st.form) {
      problems.push(`${ctx.where()}: a page without a form before the confirmation`);
      break;
    }
    const isCheck = st.checkAnswers;
    const m = await site.model(page);
    if (!failedOnce && !isCheck && m.groups.length > 0) {
      // Submit the first question page with nothing chosen (Tab to the button, Enter).
      failedOnce = true;
      if (!(await tabTo(page, (a) => a.isSubmit, ctx))) return fail(`${ctx.where()}: could not Tab to the main button`);
      await enterAndWait(page);
      const after = await site.state(page);
      if (!after.error) problems.push(`${ctx.where()}: an empty submit of the first question page did not show errors`);
      continue;
    }
    const done = new Set();
    const loadsAtStart = loads;
    let a = { tag: 'body' };
    for (let stop = 0; stop < 120; stop++) {
      await page.keyboard.press('Tab');
      a = await active(page);
      await noteFocus(page, a, ctx);
      if (a.isSubmit) break;
      const g = m.groups.find((x) => x.name === a.name && (a.type === 'radio' || a.type === 'checkbox' ? x.type === a.type : x.firstId === a.id));
      if (g && !done.has(g.name)) {
        done.add(g.name);
        stats.answered++;
        const v = site.plan(g, lang, attempts[g.name] || 0);
        if (g.type === 'radio') {
          // Focus enters the group on its checked radio or its first one.
          let at = g.ids.indexOf(a.id);
          if (g.values.length > 1) {
            const step = at + 1 < g.values.length ? next : prev;
            await page.keyboard.press(step);
            const moved = await checkedIn(page, g.name);
            const want = step === next ? at + 1 : at - 1;
            if (moved !== want) problems.push(`${ctx.where()}: ${step} in radio group ${g.name} (${lang}) checked option ${moved}, expected ${want}`);
            at = moved;
            stats.arrowMoves++;
          }
          while (at < v.index) { await page.keyboard.press(next); at++; }
          while (at > v.index) { await page.keyboard.press(prev); at--; }
          await page.keyboard.press('Space');
          const got = await checkedIn(page, g.name);
          if (got !== v.index) problems.push(`${ctx.where()}: radio ${g.name} has option ${got} checked, expected ${v.index}`);
        } else if (g.type === 'checkbox') {
          if (!a.checked) await page.keyboard.press('Space');
        } else if (g.type === 'select') {
          await page.keyboard.press('ArrowDown');
        } else {
          await page.keyboard.press('Control+A');
          await page.keyboard.press('Delete');
          await page.keyboard.type(v);
        }
      }
    }
    if (!a.isSubmit) return fail(`${ctx.where()}: could not Tab to the main button`);
    if (loads !== loadsAtStart) problems.push(`${ctx.where()}: answering with the keyboard loaded another page before the button was pressed`);
    await enterAndWait(page);
    if (isCheck) {
      const after = await site.state(page);
      if (after.form || after.error) problems.push(`after submitting, "${after.title}" is not a confirmation`);
      else confirmed = true;
      await pageStart();
    }
  }
  if (!confirmed) problems.push('the survey was not completed by keyboard');
  return { problems, stats };
}

module.exports = { complete };
