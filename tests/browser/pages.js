// Every page type the suite checks, one line each. `reach(nav)` leaves the page on that state
// (see lib/nav.js); options: `error: true` (an error summary is expected and tested),
// `status` (expected HTTP status of the document), `viewports`/`langs` to restrict,
// `budget` (a named weight budget of lib/checks.js instead of the 30 KB one), `needsResponses`
// (the suite first completes the example survey SEED_RESPONSES times so estimates show).
// Each descriptor is checked in Arabic and English at phone and kiosk sizes.
'use strict';

module.exports = [
  { name: 'survey-list', reach: (nav) => nav.home() },
  { name: 'start', reach: (nav) => nav.start() },
  { name: 'single-choice', reach: (nav) => nav.question('single-choice') },
  { name: 'multiple-choice', reach: (nav) => nav.question('multiple-choice') },
  { name: 'likert', reach: (nav) => nav.question('likert') },
  { name: 'likert-grid', reach: (nav) => nav.question('likert-grid') },
  { name: 'rating', reach: (nav) => nav.question('rating') },
  { name: 'number', reach: (nav) => nav.question('number') },
  { name: 'short-text', reach: (nav) => nav.question('short-text') },
  { name: 'long-text', reach: (nav) => nav.question('long-text') },
  { name: 'date', reach: (nav) => nav.question('date') },
  { name: 'error', reach: (nav) => nav.errorState(), error: true, status: 422 },
  { name: 'error-number', reach: (nav) => nav.invalidAnswer('number', '12abc'), error: true, status: 422 },
  { name: 'error-date', reach: (nav) => nav.invalidAnswer('date', '2026-13-45'), error: true, status: 422 },
  { name: 'check-answers', reach: (nav) => nav.checkAnswers() },
  { name: 'change-answer', reach: (nav) => nav.changeAnswer() },
  { name: 'confirmation', reach: (nav) => nav.confirmation() },
  { name: 'language-switch', reach: (nav) => nav.languageSwitched() },
  { name: 'language-switch-unsaved', reach: (nav) => nav.languageSwitchedUnsaved() },
  { name: 'not-found', reach: (nav) => nav.visit('/no-such-page'), status: 404 },
  { name: 'form-expired', reach: (nav) => nav.formExpired(), status: 403 },
  // The analysts' pages (run.sh creates the analyst and seeds responses so estimates show).
  { name: 'sign-in', reach: (nav) => nav.signInForm() },
  { name: 'sign-in-error', reach: (nav) => nav.signInRefused(), error: true, status: 401 },
  { name: 'results-list', reach: (nav) => nav.results('/results') },
  { name: 'results', reach: (nav) => nav.results('/results/citizen-security'), budget: 'results', needsResponses: true },
  { name: 'results-by-gender', reach: (nav) => nav.results('/results/citizen-security?domain=gender'), budget: 'results', needsResponses: true },
  // Kiosk screens: add one line each here when they exist, e.g.
  // { name: 'kiosk-start', reach: (nav) => nav.visit('/kiosk/citizen-security') },
];
