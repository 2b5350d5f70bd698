// Ways to reach each page state, for the page descriptors in pages.js. A `Nav` is bound to
// one browser page and one language; every method leaves the page on the wanted state (and
// may return extra problems it found on the way, e.g. answers lost by the language switch).
'use strict';

const site = require('./site');
const { SEL } = site;

class Nav {
  constructor(page, lang, base) {
    this.page = page;
    this.lang = lang;
    this.base = base;
  }

  async goto(path) {
    return this.page.goto(new URL(path, this.base).href, { waitUntil: 'load' });
  }

  /** Any path, in this language (`?lang=` switches and is remembered by the session). */
  async visit(path, lang = this.lang) {
    return this.goto(`${path}${path.includes('?') ? '&' : '?'}lang=${lang}`);
  }

  /** The list of surveys, in this language (`?lang=` is remembered by the session). */
  async home(lang = this.lang) {
    await this.visit('/', lang);
  }

  /** The first survey's start page (the example survey). */
  async start(lang = this.lang) {
    await this.home(lang);
    const href = await this.page.$eval(`${SEL.main} a[href]:not(${SEL.back})`, (a) => a.href);
    await this.page.goto(href, { waitUntil: 'load' });
    if (!(await site.state(this.page)).start) throw new Error(`no "Start now" on ${this.page.url()}`);
  }

  async firstQuestion(lang = this.lang) {
    await this.start(lang);
    await Promise.all([this.page.waitForNavigation(), this.page.click(SEL.start)]);
  }

  /** The first question page showing a question of this kind (see site.model). */
  async question(kind) {
    await this.firstQuestion();
    await site.walk(this.page, this.lang, (st, m) => !st.error && m.kinds.includes(kind));
  }

  /** A page after a submit with nothing answered: the first page that refuses that. */
  async errorState(kind) {
    if (kind) await this.question(kind);
    else await this.firstQuestion();
    for (let i = 0; i < 40; i++) {
      await site.submit(this.page);
      const st = await site.state(this.page);
      if (st.error) return;
      if (!st.form || st.checkAnswers) break;
    }
    throw new Error('no page refused an empty submit');
  }

  /**
   * The page of a question of `kind`, answered, with `value` typed into that question's field
   * and submitted: the page comes back with an error and the typed value kept.
   */
  async invalidAnswer(kind, value) {
    await this.question(kind);
    const m = await site.answerWithPointer(this.page, this.lang);
    const g = m.groups.find((x) => x.kind === kind);
    if (kind === 'date' && g.ids) {
      // A date is typed as a person types it into the day, month and year boxes.
      const [y, mo, d] = value.split('-');
      const parts = [[g.ids[0], d], [g.ids[1], mo], [g.ids[2], y]];
      for (const [id, part] of parts) await this.page.fill(`#${site.cssId(id)}`, part);
      await site.submit(this.page);
      const problems = [];
      for (const [id, part] of parts) {
        const kept = await this.page.$eval(`#${site.cssId(id)}`, (el) => el.value);
        if (kept !== part) problems.push(`the rejected part "${part}" was not kept in its box (shows "${kept}")`);
      }
      return problems;
    }
    await this.page.fill(`#${site.cssId(g.firstId)}`, value);
    await site.submit(this.page);
    const kept = await this.page.$eval(`#${site.cssId(g.firstId)}`, (el) => el.value);
    return kept === value ? [] : [`the rejected answer "${value}" was not kept in the field (shows "${kept}")`];
  }

  async checkAnswers() {
    await this.firstQuestion();
    await site.walk(this.page, this.lang, (st) => st.checkAnswers);
  }

  /** From check answers, the first "Change" link: the question page in change mode. */
  async changeAnswer() {
    await this.checkAnswers();
    await Promise.all([this.page.waitForNavigation(), this.page.click(`${SEL.checkAnswers} a[href]`)]);
    const st = await site.state(this.page);
    if (!st.form || st.checkAnswers) throw new Error(`"Change" led to "${st.title}", not a question`);
  }

  /** A form posted with a stale CSRF token (e.g. a page left open past the session). */
  async formExpired() {
    await this.firstQuestion();
    await this.page.$eval('main form input[name=csrf]', (i) => { i.value = 'stale'; });
    await site.submit(this.page);
  }

  async confirmation() {
    await this.checkAnswers();
    await site.submit(this.page);
    const st = await site.state(this.page);
    if (st.form || st.error) throw new Error(`after "Submit my answers": "${st.title}" still has a form`);
  }

  /**
   * Answer the first page in the other language, continue, come back, switch language with
   * the header link: the page is now in this language and the answer is still there.
   */
  async languageSwitched() {
    const other = this.lang === 'ar' ? 'en' : 'ar';
    await this.firstQuestion(other);
    const answered = await site.answerWithPointer(this.page, other);
    const firstUrl = this.page.url();
    await site.submit(this.page);
    const problems = [];
    if ((await site.state(this.page)).error) problems.push('the first page refused the walk\'s answers');
    await Promise.all([this.page.waitForNavigation(), this.page.click(SEL.back)]);
    if (this.page.url().split('?')[0] !== firstUrl.split('?')[0]) problems.push(`Back went to ${this.page.url()}, not ${firstUrl}`);
    await Promise.all([this.page.waitForNavigation(), this.page.click(SEL.langSwitch)]);
    const after = await site.model(this.page);
    for (const g of answered.groups) {
      const now = after.groups.find((x) => x.name === g.name);
      const was = site.plan(g, other, 0);
      if (!now) problems.push(`after the switch, field ${g.name} is gone`);
      else if (g.type === 'radio' || g.type === 'checkbox') {
        if (!now.checked.includes(was.value)) problems.push(`after the switch, ${g.name}=${was.value} is no longer chosen`);
      } else if (!now.value) problems.push(`after the switch, ${g.name} lost its text`);
    }
    return problems;
  }

  /**
   * A question page answered but not continued, then the header's switch (on question pages a
   * button of the page's form): the page is now in this language with the entries kept. Then
   * Enter in a text field must still continue, not switch: the first page with a text field
   * is answered and Enter pressed in it.
   */
  async languageSwitchedUnsaved() {
    const other = this.lang === 'ar' ? 'en' : 'ar';
    await this.firstQuestion(other);
    await site.walk(this.page, other, (st, m) => !st.error && m.kinds.includes('number'));
    const answered = await site.answerWithPointer(this.page, other);
    const before = this.page.url().split('?')[0];
    await Promise.all([this.page.waitForNavigation(), this.page.click(SEL.langSwitch)]);
    const problems = [];
    const st = await site.state(this.page);
    if (st.lang !== this.lang) problems.push(`after the switch the page is in "${st.lang}"`);
    if (this.page.url().split('?')[0] !== before) problems.push(`the switch went to ${this.page.url()}, not ${before}`);
    const after = await site.model(this.page);
    for (const g of answered.groups) {
      const now = after.groups.find((x) => x.name === g.name);
      const was = site.plan(g, other, 0);
      if (!now) problems.push(`after the switch, field ${g.name} is gone`);
      else if (g.type === 'radio' || g.type === 'checkbox') {
        if (!now.checked.includes(was.value)) problems.push(`after the switch, unsaved ${g.name}=${was.value} is no longer chosen`);
      } else {
        // A number comes back in the digits of the page's language (٣٠ typed, 30 in English).
        const want = g.kind === 'number' ? site.localDigits(was.replace(/[\u0660-\u0669]/g, (c) => String(c.charCodeAt(0) - 0x0660)), this.lang) : was;
        if (now.value !== want) problems.push(`after the switch, unsaved ${g.name} shows "${now.value}", not "${want}"`);
      }
    }
    const text = after.groups.find((g) => g.type === 'text');
    if (!text) return [...problems, 'no text field on the number page'];
    await this.page.focus(`#${site.cssId(text.firstId)}`);
    await Promise.all([this.page.waitForNavigation(), this.page.keyboard.press('Enter')]);
    const next = await site.state(this.page);
    if (next.lang !== this.lang) problems.push(`Enter in a text field switched the language to "${next.lang}"`);
    if (this.page.url().split('?')[0] === before) problems.push('Enter in a text field did not continue');
    // Back on the switched page, ready to be checked.
    await Promise.all([this.page.waitForNavigation(), this.page.click(SEL.back)]);
    return problems;
  }

  /** The analysts' sign-in form (`?next=` as a protected page would send). */
  async signInForm(next = '/results') {
    await this.visit(`/login?next=${encodeURIComponent(next)}`);
  }

  /** Sign in with the analyst run.sh created (MIZAN_ANALYST / MIZAN_ANALYST_PASSWORD). */
  async signIn(password = process.env.MIZAN_ANALYST_PASSWORD, next = '/results') {
    const name = process.env.MIZAN_ANALYST;
    if (!name || !password) throw new Error('MIZAN_ANALYST and MIZAN_ANALYST_PASSWORD are not set (run tests/browser/run.sh)');
    await this.signInForm(next);
    await this.page.fill('#name', name);
    await this.page.fill('#password', password);
    await site.submit(this.page);
  }

  /** A wrong password: the sign-in form comes back (401) with an error summary. */
  async signInRefused() {
    await this.signIn('not-the-password-at-all');
    const problems = [];
    const kept = await this.page.$eval('#name', (el) => el.value);
    if (kept !== process.env.MIZAN_ANALYST) problems.push(`the name typed was not kept (shows "${kept}")`);
    if (await this.page.$eval('#password', (el) => el.value)) problems.push('the wrong password was sent back in the form');
    return problems;
  }

  /** A staff page, signed in as `who` (MIZAN_ADMIN or MIZAN_INTERVIEWER of run.sh). */
  async staff(path, who = process.env.MIZAN_ADMIN) {
    const password = process.env.MIZAN_ANALYST_PASSWORD;
    if (!who || !password) throw new Error('the staff accounts are not set (run tests/browser/run.sh)');
    await this.visit('/login');
    await this.page.fill('#name', who);
    await this.page.fill('#password', password);
    await site.submit(this.page);
    if (this.page.url().includes('/login')) throw new Error(`sign-in of ${who} failed`);
    await this.visit(path);
  }

  /** A results page, signed in (the path in this language). */
  async results(path = '/results') {
    await this.signIn();
    if (!this.page.url().includes('/results')) throw new Error(`sign-in led to ${this.page.url()}, not the results`);
    await this.visit(path);
  }
}

module.exports = { Nav };
