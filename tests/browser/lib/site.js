// What the suite knows about Mizan's pages: selectors of the shared markup (GOV.UK-style
// components in src/web/views) and how to move through a survey. Everything else in the
// suite is generic, so a new page type is one descriptor in pages.js.
'use strict';

const SEL = {
  main: 'main',
  // A link, or on question pages a button of the page's form (it keeps what is entered).
  langSwitch: '.lang-switch',
  errorSummary: '.error-summary',
  // The main action of a page: "Continue", "Submit my answers".
  submit: 'main form button[type=submit]',
  start: 'main a.button-start',
  back: 'a.back-link',
  checkAnswers: 'main dl.summary-list',
};

/** Field values tried in turn when the server rejects one (ranges are not in the markup). */
const CANDIDATES = {
  number: ['30', '3', '1', '0', '50', '100', '1000'],
  date: [isoDaysAgo(30), isoDaysAgo(200), isoDaysAgo(3), isoDaysAgo(1000), '2000-01-01'],
  shortText: { ar: ['نص تجريبي', 'بغداد'], en: ['test answer', 'Baghdad'] },
  longText: { ar: ['تعليق تجريبي: الخدمة جيدة.'], en: ['A test comment: the service was fine.'] },
};

function isoDaysAgo(n) {
  return new Date(Date.now() - n * 864e5).toISOString().slice(0, 10);
}

const ARABIC_DIGITS = '٠١٢٣٤٥٦٧٨٩';
/** Arabic pages type numbers in Arabic-Indic digits, as people do; the server normalises. */
function localDigits(s, lang) {
  return lang === 'ar' ? s.replace(/[0-9]/g, (d) => ARABIC_DIGITS[d]) : s;
}

/**
 * Radio choices that open the conditional questions of the example survey (the walk otherwise
 * takes the first option). Keyed by question id, value = option code.
 */
const PREFER = {};

/** Question ids whose kind the markup does not tell apart (e.g. a single choice coded 1..5). */
const KIND_OF = {};

/**
 * The fields of the current page, grouped the way they are answered, with a guess at the
 * question kind from the markup:
 * single-choice, multiple-choice, likert, likert-grid, rating, number, short-text, long-text, date.
 */
async function model(page) {
  return page.evaluate((KIND_OF) => {
    const main = document.querySelector('main');
    if (!main) return { groups: [], kinds: [] };
    const groups = [];
    const seen = new Set();
    for (const el of main.querySelectorAll('input, textarea, select')) {
      if (el.type === 'hidden' || el.disabled) continue;
      if (el.type === 'radio' || el.type === 'checkbox') {
        if (seen.has(el.name)) continue;
        seen.add(el.name);
        const inputs = [...main.querySelectorAll(`input[name="${CSS.escape(el.name)}"]`)];
        const container = el.closest('.radios, .checkboxes, fieldset');
        groups.push({
          type: el.type,
          name: el.name,
          firstId: inputs[0].id,
          values: inputs.map((i) => i.value),
          ids: inputs.map((i) => i.id),
          checked: inputs.filter((i) => i.checked).map((i) => i.value),
          inline: !!(container && container.classList.contains('radios-inline')),
          grid: !!el.closest('.grid'),
        });
      } else if (el.closest('.date-input')) {
        // A date's three boxes (day, month, year) post under one name: one group.
        if (seen.has(el.name)) continue;
        seen.add(el.name);
        const boxes = [...el.closest('.date-input').querySelectorAll('input')];
        // The value as one `YYYY-MM-DD` (boxes are day, month, year; digits made Western).
        const western = (s) => s.replace(/[\u0660-\u0669]/g, (c) => String(c.charCodeAt(0) - 0x0660));
        const [d, mo, y] = boxes.map((b) => western(b.value));
        groups.push({ type: 'text', name: el.name, firstId: boxes[0].id, ids: boxes.map((b) => b.id), date: true, value: [y, mo, d].join('-') });
      } else {
        groups.push({
          type: el.tagName === 'TEXTAREA' ? 'textarea' : el.tagName === 'SELECT' ? 'select' : 'text',
          name: el.name,
          firstId: el.id,
          inputmode: el.getAttribute('inputmode') || '',
          date: el.classList.contains('input-date') || el.type === 'date',
          value: el.value,
        });
      }
    }
    // Kind guesses from the markup of src/web/views (a grid is wrapped in .grid, a rating
    // is an inline row of radios, a Likert scale has consecutive numeric codes).
    for (const g of groups) {
      if (g.type === 'checkbox') g.kind = 'multiple-choice';
      else if (g.type === 'textarea') g.kind = 'long-text';
      else if (g.type === 'text') g.kind = g.date ? 'date' : g.inputmode ? 'number' : 'short-text';
      else if (g.type === 'radio') {
        const ints = g.values.filter((v) => /^-?\d+$/.test(v)).map(Number).sort((a, b) => a - b);
        const consecutive = ints.length >= 3 && ints.every((n, i) => i === 0 || n === ints[i - 1] + 1);
        if (g.grid) g.kind = 'likert-grid';
        else if (g.inline) g.kind = 'rating';
        else if (consecutive) g.kind = 'likert';
        else g.kind = 'single-choice';
      }
      if (KIND_OF[g.name]) g.kind = KIND_OF[g.name];
    }
    return { groups, kinds: [...new Set(groups.map((g) => g.kind))] };
  }, KIND_OF);
}

async function state(page) {
  return page.evaluate((SEL) => {
    const has = (s) => !!document.querySelector(s);
    return {
      error: has(SEL.errorSummary),
      checkAnswers: has(SEL.checkAnswers),
      start: has(SEL.start),
      form: has(SEL.submit),
      lang: document.documentElement.lang,
      title: document.title,
      h1: ((document.querySelector('h1') || {}).textContent || '').trim(),
    };
  }, SEL);
}

/** Choose the value a group gets on attempt `n` (0 first). */
function plan(group, lang, n) {
  switch (group.kind) {
    case 'number':
      return localDigits(CANDIDATES.number[n % CANDIDATES.number.length], lang);
    case 'date':
      return CANDIDATES.date[n % CANDIDATES.date.length];
    case 'short-text':
      return CANDIDATES.shortText[lang][n % CANDIDATES.shortText[lang].length];
    case 'long-text':
      return CANDIDATES.longText[lang][0];
    default: {
      if (group.type === 'radio' || group.type === 'checkbox') {
        const preferred = PREFER[group.name];
        let i = preferred && group.values.includes(preferred) ? group.values.indexOf(preferred) : 0;
        if (n > 0) i = (i + n) % group.values.length;
        return { index: i, value: group.values[i] };
      }
      return null;
    }
  }
}

/** Answer every field of the page with the pointer (click, fill). */
async function answerWithPointer(page, lang, attempts = {}) {
  const m = await model(page);
  for (const g of m.groups) {
    const v = plan(g, lang, attempts[g.name] || 0);
    if (g.type === 'radio' || g.type === 'checkbox') {
      await page.check(`#${cssId(g.ids[v.index])}`);
    } else if (g.type === 'select') {
      await page.selectOption(`#${cssId(g.firstId)}`, { index: 1 });
    } else if (g.kind === 'date' && g.ids) {
      // `YYYY-MM-DD` into the day, month and year boxes.
      const [y, mo, d] = v.split('-');
      for (const [id, part] of [[g.ids[0], d], [g.ids[1], mo], [g.ids[2], y]]) {
        await page.fill(`#${cssId(id)}`, localDigits(part, lang));
      }
    } else {
      await page.fill(`#${cssId(g.firstId)}`, v);
    }
  }
  return m;
}

function cssId(id) {
  return id.replace(/([^\w-])/g, '\\$1');
}

/** Press the page's main button and wait for the next page. */
async function submit(page) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(SEL.submit)]);
}

/** The error summary's field ids (question ids, or the first radio of a group). */
async function errorFields(page) {
  return page.$$eval(`${SEL.errorSummary} a[href^="#"]`, (as) => as.map((a) => decodeURIComponent(a.getAttribute('href').slice(1))));
}

/**
 * From the current page, answer and continue until `until(state, model)` holds, and return.
 * Rejected answers are retried with the next candidate. Throws when the survey ends first.
 */
async function walk(page, lang, until, { maxPages = 60 } = {}) {
  const attempts = {};
  for (let i = 0; i < maxPages; i++) {
    const st = await state(page);
    const m = await model(page);
    if (await until(st, m)) return { state: st, model: m };
    if (st.error) {
      for (const id of await errorFields(page)) {
        const g = m.groups.find((x) => x.firstId === id || x.name === id || (x.ids || []).includes(id));
        if (g) attempts[g.name] = (attempts[g.name] || 0) + 1;
      }
    }
    if (st.start) {
      await Promise.all([page.waitForNavigation(), page.click(SEL.start)]);
      continue;
    }
    if (!st.form) throw new Error(`walk stopped on "${st.title}" (no form) before reaching the wanted page`);
    if (!st.checkAnswers) await answerWithPointer(page, lang, attempts);
    await submit(page);
  }
  throw new Error(`walk did not reach the wanted page in ${maxPages} pages`);
}

module.exports = { SEL, PREFER, CANDIDATES, model, state, plan, answerWithPointer, submit, walk, errorFields, localDigits, cssId };
