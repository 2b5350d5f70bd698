// The citizen on a cheap phone: an Iraqi respondent at 360 px (and 320 px where the layout is
// at stake) in Arabic, walking the example survey through the public link (issue 13, items
// 1–6 and 8). Each scenario measures what the person would see — the page numbers, the boxes'
// positions, the digits, what survives a language switch, Back or "clear my answers" — and
// saves screenshots as `ar-360-citizen-*.png` beside the page checks' (look at them).
// Registered in suite.js with the kiosk scenarios; these run one at a time (they are busy, not
// waiting), alongside the page checks. `--only citizen-progress,…` picks them.
'use strict';

const path = require('path');
const { newContext } = require('./lib/browser');
const checks = require('./lib/checks');
const site = require('./lib/site');
const kiosk = require('./lib/kiosk');
const { Nav } = require('./lib/nav');
const { SEL } = site;

const WIDTH = 360;
const HEIGHT = 740;
const AR = '٠١٢٣٤٥٦٧٨٩';
const western = (s) => String(s).replace(/[\u0660-\u0669]/g, (c) => String(c.charCodeAt(0) - 0x0660));
const arabic = (s) => String(s).replace(/[0-9]/g, (d) => AR[d]);

/** A fresh person: a new browser context at 360 px, page errors collected. */
async function person(browser, width = WIDTH) {
  const context = await newContext(browser, { viewport: 'phone' });
  const page = await context.newPage();
  await page.setViewportSize({ width, height: HEIGHT });
  checks.trackDocuments(page);
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`script error: ${e.message.split('\n')[0]}`));
  return { context, page };
}

function shooter(page, shots) {
  return (name) => page.screenshot({ path: path.join(shots, `ar-${WIDTH}-citizen-${name}.png`), fullPage: true });
}

/** "الصفحة ٣ من ٦" / "Page 3 of 6" as numbers, or null when the page has none. */
async function progressOf(page) {
  const text = await page.$eval(`${SEL.main} p.caption`, (p) => p.textContent.trim()).catch(() => null);
  const m = text && western(text).match(/(\d+)\D+(\d+)/);
  return m ? { n: Number(m[1]), of: Number(m[2]), text } : null;
}

/** Which question ids the page asks. */
async function questionIds(page) {
  return (await site.model(page)).groups.map((g) => g.name);
}

const DEFAULT_TEXT = { ar: { short: 'الكرادة', long: 'لا ملاحظات.' }, en: { short: 'Karrada', long: 'No comments.' } };

/**
 * Answer every field of the page: `want[name]` when given (a radio or checkbox value, a list
 * of checkbox values, a typed string, or `[day, month, year]`), else the first option, ٣٥,
 * 15 3 2026 in the page's digits, a short text.
 */
async function answer(page, lang, want = {}) {
  const m = await site.model(page);
  const digits = (s) => (lang === 'ar' ? arabic(s) : s);
  for (const g of m.groups) {
    const w = want[g.name];
    if (g.type === 'radio') {
      await page.check(`main input[name="${g.name}"][value="${w !== undefined ? w : g.values[0]}"]`);
    } else if (g.type === 'checkbox') {
      for (const v of w !== undefined ? [].concat(w) : [g.values[0]]) await page.check(`main input[name="${g.name}"][value="${v}"]`);
    } else if (g.kind === 'date') {
      const parts = w || ['15', '3', '2026'].map(digits);
      for (let i = 0; i < 3; i++) await page.fill(`#${site.cssId(g.ids[i])}`, parts[i]);
    } else if (g.kind === 'number') {
      await page.fill(`#${site.cssId(g.firstId)}`, w !== undefined ? w : digits('35'));
    } else {
      await page.fill(`#${site.cssId(g.firstId)}`, w !== undefined ? w : DEFAULT_TEXT[lang][g.type === 'textarea' ? 'long' : 'short']);
    }
  }
  return m;
}

/** Answer and continue from page to page until a page asks `id` (throws at check answers). */
async function walkTo(page, lang, id, want = {}) {
  for (let i = 0; i < 20; i++) {
    if ((await questionIds(page)).includes(id)) return;
    const st = await site.state(page);
    if (st.checkAnswers || !st.form) throw new Error(`no page asked "${id}" (at "${st.title}")`);
    await answer(page, lang, want);
    await site.submit(page);
    if ((await site.state(page)).error) throw new Error(`the answers were refused on ${page.url()}`);
  }
  throw new Error(`no page asked "${id}" in 20 pages`);
}

async function walkToCheckAnswers(page, lang, want = {}) {
  for (let i = 0; i < 20; i++) {
    const st = await site.state(page);
    if (st.checkAnswers) return;
    if (!st.form) throw new Error(`no check answers (at "${st.title}")`);
    await answer(page, lang, want);
    await site.submit(page);
  }
  throw new Error('no check answers in 20 pages');
}

async function back(page) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(SEL.back)]);
}

async function switchLanguage(page) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(SEL.langSwitch)]);
}

/** The value of a field (by its `name`; a date's three boxes as one "d m y" string). */
async function shown(page, name) {
  return page.evaluate((name) => {
    const els = [...document.querySelectorAll(`main [name="${CSS.escape(name)}"]`)];
    if (!els.length) return null;
    if (els[0].type === 'radio' || els[0].type === 'checkbox') return els.filter((e) => e.checked).map((e) => e.value);
    return els.map((e) => e.value).join(' ');
  }, name);
}

/** axe and the accessible names at the current state, at this width. */
async function a11y(page, where) {
  const found = [...(await checks.axe(page)), ...(await checks.accessibleNames(page))];
  return found.map((p) => `${where}: ${p}`);
}

// ---------------------------------------------------------------------------------------------
// (1) Page numbers count only the pages that apply and never jump.

/**
 * From the first question to check answers with `want`: the progress of every page, in order.
 * `detour(page, trail)` runs on each page before it is answered (it may go back and forth).
 */
async function progressWalk(page, lang, want, shot, detour) {
  const trail = [];
  for (let i = 0; i < 20; i++) {
    const st = await site.state(page);
    if (st.checkAnswers) return trail;
    const p = await progressOf(page);
    const ids = await questionIds(page);
    trail.push({ ...p, ids });
    if (shot && ids.some((id) => shot.includes(id))) await shot.take(`${ids[0]}-${p.n}-of-${p.of}`);
    if (detour) await detour(page, trail);
    await answer(page, lang, want);
    await site.submit(page);
    if ((await site.state(page)).error) throw new Error(`the answers were refused on ${page.url()}`);
  }
  throw new Error('the walk did not reach check answers in 20 pages');
}

/** Every step forward adds exactly one; the count only grows and the last page is "M of M". */
function progressProblems(trail, label) {
  const out = [];
  const seq = trail.map((t) => `${t.n}/${t.of}`).join(' → ');
  trail.forEach((t, i) => {
    if (!t.n) out.push(`${label}: page ${i + 1} (${t.ids.join(', ')}) shows no "page N of M"`);
    else if (t.n !== i + 1) out.push(`${label}: the ${i + 1}th page (${t.ids.join(', ')}) says page ${t.n} (${seq})`);
    if (t.n > t.of) out.push(`${label}: "${t.text}" counts past its total`);
    if (i > 0 && t.of < trail[i - 1].of) out.push(`${label}: the total fell from ${trail[i - 1].of} to ${t.of} going forward (${seq})`);
  });
  const last = trail[trail.length - 1];
  if (last && last.n !== last.of) out.push(`${label}: the last page says "${last.text}", not ${last.of} of ${last.of} (${seq})`);
  return out;
}

async function progressScenario(browser, base, shots) {
  const lang = 'ar';
  const problems = [];
  // "No" at the police-station question, and a reporting answer that asks no follow-up: every
  // page that applies is known from the first page on, so the total never changes.
  {
    const { context, page } = await person(browser);
    const take = shooter(page, shots);
    try {
      await new Nav(page, lang, base).firstQuestion();
      const trail = await progressWalk(page, lang, { contact: 'no', report_crime: '4' }, Object.assign(['contact', 'report_crime'], { take: (n) => take(`progress-no-${n}`) }));
      problems.push(...progressProblems(trail, '"no"'));
      const totals = [...new Set(trail.map((t) => t.of))];
      if (totals.length !== 1 || totals[0] !== trail.length) problems.push(`"no": ${trail.length} pages were asked, the totals shown were ${totals.join(', ')}`);
      // Back from check answers to the first page: one less each time, same total.
      const backs = [];
      for (let i = 0; i < trail.length; i++) {
        await back(page);
        backs.push(await progressOf(page));
      }
      const want = trail.map((t) => `${t.n}/${t.of}`).reverse().join(' ');
      const got = backs.map((b) => (b ? `${b.n}/${b.of}` : '-')).join(' ');
      if (got !== want) problems.push(`"no": Back from check answers showed ${got}, expected ${want}`);
      console.log(`       progress, "no": ${trail.map((t) => t.text).join(' → ')}`);
    } catch (e) {
      problems.push(`"no": stopped: ${e.message.split('\n')[0]} (at ${page.url()})`);
      await take('progress-FAILED').catch(() => {});
    }
    await context.close();
  }
  // "Yes", a low satisfaction (the follow-up about the problem applies) and a reporting answer
  // with its follow-up: the total grows as answers open pages, the number never skips. On the
  // way the person goes back from the first follow-up, says "no" instead, sees the count for
  // "no", goes back again and says "yes".
  {
    const { context, page } = await person(browser);
    const take = shooter(page, shots);
    try {
      await new Nav(page, lang, base).firstQuestion();
      let changed = false;
      const detour = async (p, trail) => {
        const here = trail[trail.length - 1];
        if (changed || !here.ids.includes('satisfaction')) return;
        changed = true;
        await back(p);
        const again = await progressOf(p);
        if (!again || again.n !== here.n - 1) problems.push(`"yes": Back from "${here.text}" showed "${again && again.text}"`);
        await answer(p, lang, { contact: 'no' });
        await site.submit(p);
        const no = await progressOf(p);
        const noIds = await questionIds(p);
        if (!no || no.n !== here.n || !noIds.includes('report_crime')) problems.push(`"yes" changed to "no": the next page is "${no && no.text}" (${noIds.join(', ')}), expected page ${here.n} with the reporting question`);
        await take(`progress-changed-to-no-${no && no.n}-of-${no && no.of}`);
        await back(p);
        await answer(p, lang, { contact: 'yes' });
        await site.submit(p);
        const yes = await progressOf(p);
        if (!yes || yes.n !== here.n || yes.of !== here.of) problems.push(`back to "yes": "${yes && yes.text}", expected "${here.text}" again`);
      };
      const want = { contact: 'yes', satisfaction: '2', respect: 'yes', report_crime: '1' };
      const trail = await progressWalk(page, lang, want, Object.assign(['contact', 'satisfaction', 'visit_problem', 'why_not_report'], { take: (n) => take(`progress-yes-${n}`) }), detour);
      problems.push(...progressProblems(trail, '"yes"'));
      if (trail.length !== 12) problems.push(`"yes" with a low satisfaction and a reporting follow-up asked ${trail.length} pages, expected 12`);
      console.log(`       progress, "yes": ${trail.map((t) => t.text).join(' → ')}`);
    } catch (e) {
      problems.push(`"yes": stopped: ${e.message.split('\n')[0]} (at ${page.url()})`);
      await take('progress-FAILED').catch(() => {});
    }
    for (const url of context.offLoopback) problems.push(`request left loopback: ${url}`);
    await context.close();
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// (2) Day, month and year boxes; (5) digits in the page's language; (6) grouped thousands.

/** From the first question to the page with the date and the minutes ("yes" at the visit). */
async function visitDetails(page, lang, base) {
  await new Nav(page, lang, base).firstQuestion();
  await walkTo(page, lang, 'last_visit', { contact: 'yes', satisfaction: '8' });
}

/** The three date boxes in page order, with their labels, values, error marks. */
async function dateBoxes(page) {
  return page.$$eval('main .date-input input', (els) => els.map((e) => ({
    id: e.id,
    label: e.labels[0] ? e.labels[0].textContent.trim() : '',
    value: e.value,
    error: e.classList.contains('input-error'),
    x: e.getBoundingClientRect().left,
  })));
}

async function fillDate(page, parts) {
  const boxes = await dateBoxes(page);
  for (let i = 0; i < 3; i++) await page.fill(`#${site.cssId(boxes[i].id)}`, parts[i]);
}

async function dateScenario(browser, base, shots) {
  const lang = 'ar';
  const problems = [];
  const { context, page } = await person(browser);
  const take = shooter(page, shots);
  try {
    await visitDetails(page, lang, base);
    const boxes = await dateBoxes(page);
    const labels = boxes.map((b) => b.label).join(' ');
    if (labels !== 'اليوم الشهر السنة') problems.push(`the date boxes read "${labels}", not اليوم الشهر السنة`);
    // Reading order: the day on the right in Arabic.
    if (!(boxes[0].x > boxes[1].x && boxes[1].x > boxes[2].x)) problems.push('the day, month and year boxes are not right to left');
    await take('date-empty');
    const accepted = [
      ['Western digits, one part per box', ['15', '3', '2026']],
      ['Arabic-Indic digits, one part per box', ['١٥', '٣', '٢٠٢٦']],
      ['15/3/2026 typed whole in the day box', ['15/3/2026', '', '']],
      ['15-03-2026 typed whole in the day box', ['15-03-2026', '', '']],
      ['١٥/٣/٢٠٢٦ typed whole in the day box', ['١٥/٣/٢٠٢٦', '', '']],
    ];
    for (const [how, parts] of accepted) {
      await fillDate(page, parts);
      await page.fill('main #wait_minutes', '٣٥');
      await site.submit(page);
      if ((await site.state(page)).error) {
        const msg = await page.$eval(SEL.errorSummary, (s) => s.innerText.replace(/\s+/g, ' '));
        problems.push(`${how}: refused ("${msg}")`);
        await take(`date-refused-${accepted.findIndex((a) => a[0] === how)}`);
        continue;
      }
      await back(page);
      const now = (await dateBoxes(page)).map((b) => b.value).join(' ');
      if (now !== '١٥ ٣ ٢٠٢٦') problems.push(`${how}: accepted, but Back shows the boxes "${now}", not ١٥ ٣ ٢٠٢٦`);
    }
    // A wrong month: the message names the month, the summary's link and focus go to the
    // month box, only that box is marked, and what was typed is kept.
    await fillDate(page, ['١٥', '١٣', '٢٠٢٦']);
    await site.submit(page);
    const err = await page.evaluate(() => {
      const link = document.querySelector('.error-summary a[href^="#"]');
      const target = link && document.getElementById(decodeURIComponent(link.getAttribute('href').slice(1)));
      const inline = document.querySelector('.date-input') && document.querySelector('.date-input').closest('.form-group').querySelector('.error-message');
      return {
        link: link && link.textContent.trim(),
        inline: inline && inline.textContent.trim(),
        targetLabel: target && target.labels[0] ? target.labels[0].textContent.trim() : null,
        title: document.title,
      };
    });
    if (!err.link) problems.push('a month of ١٣ was not refused');
    else {
      if (!/الشهر/.test(err.link) || !/١٢/.test(err.link)) problems.push(`the error for month ١٣ reads "${err.link}": it does not name the month and its range`);
      if (!err.inline || !/الشهر/.test(err.inline)) problems.push(`the inline error reads "${err.inline}"`);
      if (err.targetLabel !== 'الشهر') problems.push(`the error link leads to the box labelled "${err.targetLabel}", not الشهر`);
      const marked = (await dateBoxes(page)).map((b) => `${b.label}${b.error ? '!' : ''}`).join(' ');
      if (marked !== 'اليوم الشهر! السنة') problems.push(`marked as wrong: "${marked}", expected only the month`);
      const kept = (await dateBoxes(page)).map((b) => b.value).join(' ');
      if (kept !== '١٥ ١٣ ٢٠٢٦') problems.push(`the refused date shows "${kept}", not what was typed`);
      problems.push(...(await checks.errorSummary(page, lang, SEL.errorSummary)).map((p) => `month error: ${p}`));
      await page.click(`${SEL.errorSummary} a`);
      await page.waitForTimeout(100);
      const focused = await page.evaluate(() => (document.activeElement.labels && document.activeElement.labels[0] ? document.activeElement.labels[0].textContent.trim() : document.activeElement.tagName));
      if (focused !== 'الشهر') problems.push(`tapping the error link put focus on "${focused}", not the month box`);
      await take('date-error-month');
      problems.push(...(await a11y(page, 'month error at 360 px')));
      // The same in English after the switch (the entries are kept, the message follows).
      await switchLanguage(page);
      await site.submit(page);
      const en = await page.$eval(SEL.errorSummary, (s) => s.innerText).catch(() => '');
      if (!/month/i.test(en)) problems.push(`in English the month error reads "${en.replace(/\s+/g, ' ')}"`);
      await switchLanguage(page);
    }
  } catch (e) {
    problems.push(`stopped: ${e.message.split('\n')[0]} (at ${page.url()})`);
    await take('date-FAILED').catch(() => {});
  }
  problems.push(...page.problems);
  await context.close();
  return problems;
}

/** ٣٥ typed, Continue, Back: ٣٥ again in Arabic, 35 in English, and on check answers. */
async function digitsScenario(browser, base, shots) {
  const lang = 'ar';
  const problems = [];
  const { context, page } = await person(browser);
  const take = shooter(page, shots);
  try {
    await visitDetails(page, lang, base);
    for (const typed of ['٣٥', '35']) {
      await fillDate(page, typed === '35' ? ['15', '3', '2026'] : ['١٥', '٣', '٢٠٢٦']);
      await page.fill('main #wait_minutes', typed);
      await site.submit(page);
      await back(page);
      const minutes = await shown(page, 'wait_minutes');
      const date = await shown(page, 'last_visit');
      if (minutes !== '٣٥') problems.push(`"${typed}" typed, Continue, Back: the minutes show "${minutes}", not ٣٥`);
      if (date !== '١٥ ٣ ٢٠٢٦') problems.push(`the date typed as ${typed === '35' ? 'Western' : 'Arabic'} digits shows "${date}" after Back, not ١٥ ٣ ٢٠٢٦`);
    }
    await take('digits-back-ar');
    // The header's switch (a button of the page's form: it posts what is shown) to English.
    await switchLanguage(page);
    const en = { minutes: await shown(page, 'wait_minutes'), date: await shown(page, 'last_visit') };
    if (en.minutes !== '35') problems.push(`in English the minutes show "${en.minutes}", not 35`);
    if (en.date !== '15 3 2026') problems.push(`in English the date shows "${en.date}", not 15 3 2026`);
    await take('digits-back-en');
    await switchLanguage(page);
    const ar = await shown(page, 'wait_minutes');
    if (ar !== '٣٥') problems.push(`switched back to Arabic, the minutes show "${ar}", not ٣٥`);
    // Check answers reads them in the page's digits too.
    await site.submit(page);
    await walkToCheckAnswers(page, lang);
    const row = await page.$$eval('.summary-row', (rows) => rows.map((r) => r.innerText.replace(/\s+/g, ' ')).filter((t) => /دقيقة|minutes/.test(t)).join(' | '));
    if (!row.includes('٣٥ دقيقة')) problems.push(`check answers shows the minutes as "${row}"`);
    await take('digits-check-answers');
  } catch (e) {
    problems.push(`stopped: ${e.message.split('\n')[0]} (at ${page.url()})`);
    await take('digits-FAILED').catch(() => {});
  }
  problems.push(...page.problems);
  await context.close();
  return problems;
}

/** 1,500 on a question that takes 0 to 1440: the message says what to type; 1,200 and ١٬٢٠٠ pass. */
async function groupingScenario(browser, base, shots) {
  const lang = 'ar';
  const problems = [];
  const { context, page } = await person(browser);
  const take = shooter(page, shots);
  const errorText = () => page.$eval(SEL.errorSummary, (s) => s.querySelector('a').textContent.trim()).catch(() => null);
  try {
    await visitDetails(page, lang, base);
    await fillDate(page, ['١٥', '٣', '٢٠٢٦']);
    // Over the question's maximum (1440 minutes): refused with the range, read as 1500.
    for (const typed of ['1,500', '١٬٥٠٠']) {
      await page.fill('main #wait_minutes', typed);
      await site.submit(page);
      const msg = await errorText();
      if (!msg) problems.push(`"${typed}" (over the maximum of 1440) was accepted`);
      else if (!msg.includes('١٤٤٠') || !msg.includes('٠') || /كسور|عشري/.test(msg)) problems.push(`"${typed}" was refused with "${msg}", not the range ٠ to ١٤٤٠`);
      const kept = await shown(page, 'wait_minutes');
      if (kept !== typed) problems.push(`the refused "${typed}" shows as "${kept}"`);
      if (typed === '1,500') {
        await take('grouping-over-maximum');
        problems.push(...(await a11y(page, 'number error at 360 px')));
      }
    }
    // Within the range: grouped thousands are read as thousands.
    for (const typed of ['1,200', '١٬٢٠٠', '1 200']) {
      await page.fill('main #wait_minutes', typed);
      await site.submit(page);
      const msg = await errorText();
      if (msg) {
        problems.push(`"${typed}" was refused: "${msg}"`);
        continue;
      }
      await back(page);
      const now = await shown(page, 'wait_minutes');
      if (now !== '١٢٠٠') problems.push(`"${typed}" accepted, but Back shows "${now}", not ١٢٠٠`);
    }
    // A comma that groups nothing: the message says exactly what to type (no guess, no "fractions").
    await page.fill('main #wait_minutes', '1,5');
    await site.submit(page);
    const msg = await errorText();
    if (!msg || !msg.includes('١٥') || !msg.includes('١٬٥٠٠') || /كسور/.test(msg)) problems.push(`"1,5" was answered with "${msg}"`);
    await take('grouping-ambiguous');
  } catch (e) {
    problems.push(`stopped: ${e.message.split('\n')[0]} (at ${page.url()})`);
    await take('grouping-FAILED').catch(() => {});
  }
  problems.push(...page.problems);
  await context.close();
  return problems;
}

// ---------------------------------------------------------------------------------------------
// (3) The 0–10 rating on one row, its ends under its ends.

/** The rating's points (radio and number boxes), its end labels, the viewport's width. */
async function ratingGeometry(page) {
  return page.evaluate(() => {
    const r = (el) => { const b = el.getBoundingClientRect(); return { l: b.left, r: b.right, t: b.top, b: b.bottom, w: b.width, h: b.height }; };
    const points = [...document.querySelectorAll('.rating-scale .choice')].map((c) => {
      const input = c.querySelector('input');
      return { value: input.value, radio: r(input), label: r(c.querySelector('label')), cell: r(c), text: c.querySelector('label').textContent.trim() };
    });
    const ends = [...document.querySelectorAll('.rating-ends .rating-end')].map((e) => ({ ...r(e), text: e.textContent.trim() }));
    const scale = document.querySelector('.rating-scale');
    return { points, ends, scale: scale && r(scale), width: document.documentElement.clientWidth, scrollWidth: document.documentElement.scrollWidth };
  });
}

/**
 * One row: every radio at the same top, inside the screen, each target at least 24 px (2.5.8).
 * In the page's direction: 0 at the start (the right in Arabic), the lowest end's meaning under
 * the 0 and the highest's under the 10, each flush with its end of the scale.
 */
function ratingProblems(g, lang, where) {
  const out = [];
  const pts = g.points.filter((p) => /^\d+$/.test(p.value));
  if (pts.length !== 11) return [`${where}: ${pts.length} points on the scale, expected 11`];
  const tops = pts.map((p) => Math.round(p.radio.t));
  if (Math.max(...tops) - Math.min(...tops) > 1) out.push(`${where}: the radios are not on one row (tops ${tops.join(', ')})`);
  for (const p of pts) {
    if (p.cell.l < -0.5 || p.cell.r > g.width + 0.5) out.push(`${where}: point ${p.value} is off the screen (${p.cell.l.toFixed(0)}–${p.cell.r.toFixed(0)} of ${g.width})`);
    if (p.cell.w < 24 - 0.5 || p.cell.h < 24 - 0.5) out.push(`${where}: point ${p.value}'s target is ${p.cell.w.toFixed(1)}×${p.cell.h.toFixed(1)} px, below 24×24`);
    const c = (p.radio.l + p.radio.r) / 2;
    if (c < p.label.l || c > p.label.r) out.push(`${where}: the number of point ${p.value} is not under its radio`);
    if (p.label.t < p.radio.b - 1) out.push(`${where}: the number of point ${p.value} is not below its radio`);
    const want = lang === 'ar' ? arabic(p.value) : p.value;
    if (p.text !== want) out.push(`${where}: point ${p.value} reads "${p.text}", not "${want}"`);
  }
  for (let i = 1; i < pts.length; i++) {
    const [a, b] = [pts[i - 1].cell, pts[i].cell];
    const inOrder = lang === 'ar' ? b.r <= a.l + 0.5 : b.l >= a.r - 0.5;
    if (!inOrder) out.push(`${where}: point ${pts[i].value} is not ${lang === 'ar' ? 'left' : 'right'} of point ${pts[i - 1].value} (the scale must read in the page's direction)`);
  }
  if (g.scrollWidth > g.width + 1) out.push(`${where}: the page scrolls sideways (${g.scrollWidth} px of ${g.width})`);
  const [lo, hi] = g.ends;
  if (!lo || !hi) return [...out, `${where}: the scale's end labels are missing`];
  const zero = pts[0].cell;
  const ten = pts[10].cell;
  const startEdge = (b) => (lang === 'ar' ? b.r : b.l);
  const endEdge = (b) => (lang === 'ar' ? b.l : b.r);
  if (Math.abs(startEdge(lo) - startEdge(zero)) > 2) out.push(`${where}: "${lo.text}" does not start at the 0 end (${startEdge(lo).toFixed(0)} vs ${startEdge(zero).toFixed(0)})`);
  if (Math.abs(endEdge(hi) - endEdge(ten)) > 2) out.push(`${where}: "${hi.text}" does not end at the 10 end (${endEdge(hi).toFixed(0)} vs ${endEdge(ten).toFixed(0)})`);
  if (lo.t < zero.b - 1 || hi.t < ten.b - 1) out.push(`${where}: the end labels are not under the scale`);
  if (lo.l < hi.r && hi.l < lo.r && lo.t < hi.b && hi.t < lo.b) out.push(`${where}: the two end labels overlap`);
  return out;
}

async function ratingScenario(browser, base, shots) {
  const problems = [];
  for (const lang of ['ar', 'en']) {
    const { context, page } = await person(browser);
    try {
      await new Nav(page, lang, base).firstQuestion();
      await walkTo(page, lang, 'satisfaction', { contact: 'yes' });
      for (const width of lang === 'ar' ? [360, 320] : [360]) {
        await page.setViewportSize({ width, height: HEIGHT });
        const where = `${lang}, ${width} px`;
        problems.push(...ratingProblems(await ratingGeometry(page), lang, where));
        await page.screenshot({ path: path.join(shots, `${lang}-${width}-citizen-rating.png`), fullPage: true });
        if (lang === 'ar') problems.push(...(await a11y(page, `rating at ${width} px`)));
      }
      // Chosen, sent, Back: still chosen; the chosen point's mark is visible.
      await page.check('main input[name=satisfaction][value="7"]');
      await site.submit(page);
      await back(page);
      const chosen = await shown(page, 'satisfaction');
      if (String(chosen) !== '7') problems.push(`${lang}: 7 chosen, sent, Back: the scale shows ${JSON.stringify(chosen)}`);
    } catch (e) {
      problems.push(`${lang}: stopped: ${e.message.split('\n')[0]} (at ${page.url()})`);
      await page.screenshot({ path: path.join(shots, `${lang}-${WIDTH}-citizen-rating-FAILED.png`), fullPage: true }).catch(() => {});
    }
    problems.push(...page.problems);
    await context.close();
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// (4) The language switch keeps what is entered on the page.

async function switchScenario(browser, base, shots) {
  const lang = 'ar';
  const problems = [];
  const { context, page } = await person(browser);
  const take = shooter(page, shots);
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  try {
    await new Nav(page, lang, base).firstQuestion();
    // A page of radios, answered and not sent.
    await answer(page, lang, { safe_day: '3', safe_night: '2' });
    await switchLanguage(page);
    for (const [k, v] of [['safe_day', ['3']], ['safe_night', ['2']]]) {
      const now = await shown(page, k);
      if (!same(now, v)) problems.push(`grid: after the switch to English ${k} shows ${JSON.stringify(now)}, not ${JSON.stringify(v)}`);
    }
    if ((await site.state(page)).lang !== 'en') problems.push('the switch did not switch to English');
    await switchLanguage(page);
    await site.submit(page);
    await walkTo(page, lang, 'last_visit', { contact: 'yes', satisfaction: '8' });
    // Typed values (a date and a number), not sent.
    await fillDate(page, ['١٥', '٣', '٢٠٢٦']);
    await page.fill('main #wait_minutes', '٤٥');
    await switchLanguage(page);
    await take('switch-typed-en');
    const typed = { date: await shown(page, 'last_visit'), minutes: await shown(page, 'wait_minutes') };
    if (!['15 3 2026', '١٥ ٣ ٢٠٢٦'].includes(typed.date)) problems.push(`typed date after the switch: "${typed.date}"`);
    if (!['45', '٤٥'].includes(typed.minutes)) problems.push(`typed minutes after the switch: "${typed.minutes}"`);
    await switchLanguage(page);
    const back2 = { date: await shown(page, 'last_visit'), minutes: await shown(page, 'wait_minutes') };
    if (back2.date !== '١٥ ٣ ٢٠٢٦' || back2.minutes !== '٤٥') problems.push(`switched back to Arabic, the page shows ${JSON.stringify(back2)}`);
    await site.submit(page);
    if ((await site.state(page)).error) throw new Error('the typed date and minutes were refused after two switches');
    // Ticks (a multiple choice), not sent.
    await walkTo(page, lang, 'services');
    const ticks = ['document', 'lost_property'];
    await answer(page, lang, { services: ticks });
    await switchLanguage(page);
    await take('switch-ticks-en');
    const afterEn = (await shown(page, 'services')).sort();
    if (!same(afterEn, [...ticks].sort())) problems.push(`ticks after the switch to English: ${JSON.stringify(afterEn)}, not ${JSON.stringify(ticks)}`);
    await switchLanguage(page);
    const afterAr = (await shown(page, 'services')).sort();
    if (!same(afterAr, [...ticks].sort())) problems.push(`ticks after switching back: ${JSON.stringify(afterAr)}`);
    await take('switch-ticks-ar');
    // One tick taken off after the switch, sent: what is saved is what was last shown.
    await page.uncheck('main input[name=services][value=document]');
    await site.submit(page);
    await back(page);
    const saved = await shown(page, 'services');
    if (!same(saved, ['lost_property'])) problems.push(`after unticking and Continue, Back shows ${JSON.stringify(saved)}`);
  } catch (e) {
    problems.push(`stopped: ${e.message.split('\n')[0]} (at ${page.url()})`);
    await take('switch-FAILED').catch(() => {});
  }
  problems.push(...page.problems);
  await context.close();
  return problems;
}

// ---------------------------------------------------------------------------------------------
// (8) "Clear my answers" on a link survey (a shared family phone).

async function clearScenario(browser, base, shots) {
  const lang = 'ar';
  const problems = [];
  const { context, page } = await person(browser);
  const take = shooter(page, shots);
  try {
    await new Nav(page, lang, base).firstQuestion();
    // Person A answers up to the comments, types, goes on, comes back and types once more.
    const trail = await kiosk.personA(page, lang);
    problems.push(...trail.problems);
    const clear = 'main form.clear-answers button[type=submit]';
    if (!(await page.$(clear))) throw new Error('no "clear my answers" button on the question page');
    await take('clear-before');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(clear)]);
    const st = await site.state(page);
    if (!st.start) problems.push(`after "clear my answers" the page is "${st.title}", not the survey's start page`);
    const notice = await page.$eval('main .notice[role=status]', (n) => n.textContent.trim()).catch(() => '');
    if (!notice.includes('مُسحت إجاباتك')) problems.push(`after "clear my answers" the start page does not say the answers were cleared ("${notice}")`);
    problems.push(...(await a11y(page, 'start page after clearing')));
    await take('clear-after');
    // Person B, on the same phone: the screen A left, Back as far as it goes, A's URLs
    // (and reloaded), "Start now", check answers. Nothing of A's, and the first page is page 1.
    const seen = async (how) => {
      for (const p of await kiosk.leaks(page, trail)) problems.push(`${how} (${new URL(page.url()).pathname}): ${p}`);
    };
    await seen('the start page after clearing');
    let backs = 0;
    for (let i = 0; i < trail.urls.length + 3; i++) {
      const before = page.url();
      const res = await page.goBack({ waitUntil: 'load' }).catch(() => null);
      if (!res && page.url() === before) break;
      backs++;
      await seen(`Back ×${backs}`);
      if (backs === 1) await take('clear-back-1');
    }
    if (backs === 0) problems.push('Back did nothing: the test of history is void');
    for (const url of [...new Set(trail.urls)]) {
      await page.goto(url, { waitUntil: 'load' });
      await seen("A's URL again");
      await page.reload({ waitUntil: 'load' });
      await seen("A's URL reloaded");
    }
    const survey = new URL(trail.urls[0]).pathname.split('/')[2];
    await page.goto(new URL(`/s/${survey}?lang=${lang}`, base).href, { waitUntil: 'load' });
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(SEL.start)]);
    await seen('"Start now"');
    const p = await progressOf(page);
    if (!p || p.n !== 1) problems.push(`"Start now" after clearing shows "${p && p.text}", not page 1`);
    const checked = await page.$$eval('main input:checked', (els) => els.map((e) => `${e.name}=${e.value}`));
    if (checked.length) problems.push(`the new person's first page has ${checked.join(', ')} chosen`);
    await take('clear-new-person');
    await page.goto(new URL(`/s/${survey}/check`, base).href, { waitUntil: 'load' });
    await seen('the check-answers URL');
    if ((await site.state(page)).checkAnswers) problems.push('the check-answers URL shows a summary after clearing');
    console.log(`       clear my answers: ${backs} Back steps, ${new Set(trail.urls).size} of A's URLs opened and reloaded, "Start now", check answers; ` +
      `looked for ${trail.checked.length} choices and ${trail.texts.length} texts of A's`);
  } catch (e) {
    problems.push(`stopped: ${e.message.split('\n')[0]} (at ${page.url()})`);
    await take('clear-FAILED').catch(() => {});
  }
  problems.push(...page.problems);
  for (const url of context.offLoopback) problems.push(`request left loopback: ${url}`);
  await context.close();
  return problems;
}

// One at a time: each is a busy walk, and the machine is shared with the page checks.
let queue = Promise.resolve();
function oneAtATime(run) {
  return (...args) => {
    const p = queue.then(() => run(...args));
    queue = p.catch(() => {});
    return p;
  };
}

const SCENARIOS = [
  { name: 'citizen-progress', what: 'citizen: "page N of M" counts the pages that apply and never jumps ("no", "yes", changed) [ar, 360 px]', run: progressScenario },
  { name: 'citizen-date', what: 'citizen: day, month, year boxes take 15 3 2026, ١٥ ٣ ٢٠٢٦ and 15/3/2026; a wrong month is named and linked [ar, 360 px]', run: dateScenario },
  { name: 'citizen-rating', what: 'citizen: the 0–10 rating is one row at 360 and 320 px, 0 at the start, its ends under its ends [ar, en]', run: ratingScenario },
  { name: 'citizen-switch', what: 'citizen: the language switch keeps radios, ticks and typed values not yet sent [ar, 360 px]', run: switchScenario },
  { name: 'citizen-digits', what: 'citizen: ٣٥ typed, Continue, Back shows ٣٥ in Arabic and 35 in English [ar, 360 px]', run: digitsScenario },
  { name: 'citizen-grouping', what: 'citizen: 1,200 and ١٬٢٠٠ are read as thousands; 1,500 over the maximum and 1,5 say what to type [ar, 360 px]', run: groupingScenario },
  { name: 'citizen-clear', what: 'citizen: "clear my answers" on a link; the next person on the phone finds nothing (Back, URLs, reload) [ar, 360 px]', run: clearScenario },
].map((s) => ({ ...s, run: oneAtATime(s.run) }));

module.exports = { SCENARIOS };
