// The web UI in Debian's Chromium, driven by playwright-core.
// Run by crates/shinsa/tests/browser.rs, which starts `shinsa serve`, creates
// the organisations and users, and passes:
//   SHINSA_URL, SHINSA_REGISTER (a register file to upload),
//   SHINSA_OPERATOR_LOGIN, SHINSA_REVIEWER_LOGIN, SHINSA_PASSWORD,
//   SHINSA_SCREENSHOTS (a folder for the pictures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import path from 'node:path';
import fs from 'node:fs';
import { createRequire } from 'node:module';

// Evaluated through the DevTools protocol rather than added as a script
// tag, so the pages' Content-Security-Policy stays in force for the test.
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const base = process.env.SHINSA_URL;
const password = process.env.SHINSA_PASSWORD;
const shots = process.env.SHINSA_SCREENSHOTS;

async function browser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// What a page must be at a phone's, a laptop's and a wide screen's width,
// in the language it is shown in: the navigation on one line with no item
// wrapped (on the phone, folded behind the menu button and one item a line
// once opened), nothing wider than the screen, and no serious or critical
// accessibility violation (axe-core, WCAG 2.1 A and AA). A screenshot of
// each width is kept as NAME-LANG-WIDTH.png, and the phone's open menu as
// NAME-LANG-390-menu.png.
async function look(page, name) {
  const lang = await page.getAttribute('html', 'lang');
  for (const width of [1280, 1920, 390]) {
    await page.setViewportSize({ width, height: 900 });
    const phone = width < 800;
    await page.screenshot({ path: path.join(shots, `${name}-${lang}-${width}.png`), fullPage: true });
    if (phone) {
      assert.equal(await page.isVisible('#menu'), false, `${name} ${lang} ${width}: the menu is folded`);
      await accessible(page, `${name} ${lang} ${width} (menu folded)`);
      await page.click('#menu-toggle');
      assert.equal(await page.getAttribute('#menu-toggle', 'aria-expanded'), 'true');
    }
    const layout = await page.evaluate(() => {
      const items = [...document.querySelectorAll('header nav a')];
      const size = (item) => parseFloat(getComputedStyle(item).fontSize);
      return {
        shown: items.filter((item) => item.getClientRects().length > 0).length,
        wrapped: items.filter((item) => item.getBoundingClientRect().height > 2.2 * size(item)).map((item) => item.textContent),
        rows: new Set(items.map((item) => Math.round(item.getBoundingClientRect().top))).size,
        clipped: items.filter((item) => item.getBoundingClientRect().right > window.innerWidth).map((item) => item.textContent),
        overflow: document.documentElement.scrollWidth - window.innerWidth,
      };
    });
    assert.equal(layout.shown, 6, `${name} ${lang} ${width}: every section in the navigation`);
    assert.deepEqual(layout.wrapped, [], `${name} ${lang} ${width}: navigation items wrapped`);
    assert.deepEqual(layout.clipped, [], `${name} ${lang} ${width}: navigation items off the screen`);
    assert.equal(layout.rows, phone ? 6 : 1, `${name} ${lang} ${width}: navigation rows`);
    assert.ok(layout.overflow <= 0, `${name} ${lang} ${width}: the page is ${layout.overflow}px wider than the screen`);
    await accessible(page, `${name} ${lang} ${width}`);
    if (phone) {
      await page.screenshot({ path: path.join(shots, `${name}-${lang}-${width}-menu.png`) });
      await page.click('#menu-toggle');
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function accessible(page, what) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => `${violation.id} (${violation.impact}): ${violation.help}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, [], `${what}: accessibility`);
}

// Whatever the pages' Content-Security-Policy blocked (an inline script or
// style the UI came to depend on): asserted empty at the end of each story.
const blocked = [];
function watch(page) {
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/.test(message.text())) blocked.push(message.text());
  });
  return page;
}

async function signIn(page, login, lang) {
  await page.goto(`${base}/?lang=${lang}`);
  assert.match(page.url(), /\/login/);
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', password);
  await page.click('#sign-in');
  await page.waitForURL(/\/ui\/findings/);
}

test('an operator uploads, watches the run, filters and triages; a reviewer reads', async () => {
  const chrome = await browser();
  try {
    const page = watch(await chrome.newPage());

    // A wrong password is refused with a message, in the language asked for.
    await page.goto(`${base}/login?lang=ja`);
    await page.fill('input[name=login]', process.env.SHINSA_OPERATOR_LOGIN);
    await page.fill('input[name=password]', 'not the password');
    await page.click('#sign-in');
    assert.equal(await page.textContent('[role=alert]'), 'ログイン名またはパスワードが正しくありません。');
    await accessible(page, 'login ja');

    await signIn(page, process.env.SHINSA_OPERATOR_LOGIN, 'en');
    assert.equal(await page.textContent('h1'), 'Findings');
    assert.equal(await page.textContent('#total'), '0');

    // Upload the register through the form.
    await page.click('#nav-registers');
    await page.setInputFiles('#upload input[type=file]', process.env.SHINSA_REGISTER);
    await page.click('#upload button[type=submit]');
    await page.waitForSelector('.message');
    assert.equal(await page.textContent('.message'), 'Uploaded; screening has started.');
    assert.equal(await page.locator('#registers tbody tr').count(), 1);

    // The runs page refreshes itself until the run is done.
    await page.click('#nav-runs');
    await page.waitForSelector('tr.run-done', { timeout: 30000 });
    assert.match(await page.textContent('tr.run-done'), /upload/);
    assert.match(await page.textContent('tr.run-done time'), /^\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2} JST$/, 'times in Japan time, in words');
    await look(page, 'runs');

    // Findings: filter by severity and by text, without reloading the page.
    await page.click('#nav-findings');
    const total = Number(await page.textContent('#total'));
    assert.equal(total, 4, 'router: barred vendor, listed vendor, made in CN; camera: listed vendor');
    await page.selectOption('#severity', 'prohibited');
    await page.waitForFunction(() => document.querySelector('#total').textContent === '1');
    assert.match(await page.textContent('#results tbody'), /JP-ESPA-001[\s\S]*RLY-1/);
    await page.selectOption('#severity', '');
    await page.fill('#q', 'CAM-1');
    await page.waitForFunction(() => document.querySelector('#total').textContent === '1');
    assert.match(page.url(), /q=CAM-1/, 'the filter is in the address, so it can be shared');

    // Triage the camera: accepted risk until a date, with a reason.
    const row = page.locator('#results tbody tr').first();
    await row.locator('select[name=status]').selectOption('accepted_risk');
    await row.locator('input[name=justification]').fill('Replaced at the spring outage');
    await row.locator('input[name=expires_at]').fill('2099-04-30');
    await row.locator('button[type=submit]').click();
    await page.waitForSelector('#results tbody tr .status-accepted_risk');
    assert.match(await page.textContent('#results tbody tr .status'), /Accepted risk[\s\S]*Decided by: user:/);
    await look(page, 'findings');

    // The same page in Japanese.
    await page.click('#lang-switch');
    await page.waitForSelector('h1:text("指摘事項")');
    await page.fill('#q', '');
    await page.selectOption('#status', 'accepted_risk');
    await page.waitForFunction(() => document.querySelector('#total').textContent === '1');
    assert.match(await page.textContent('#results tbody tr .status'), /リスク受容/);
    await look(page, 'findings');

    // The organisation's administrator manages its users (in Japanese).
    await page.click('#nav-users');
    assert.equal(await page.textContent('h1'), '利用者');
    assert.match(await page.textContent('#users tbody'), /alice@a\.example[\s\S]*事業者管理者[\s\S]*有効/);
    await look(page, 'users');
    await page.click('#sign-out');
    await page.waitForURL(/\/login/);

    // The regulator's reviewer sees the operator's findings, and cannot change them.
    await signIn(page, process.env.SHINSA_REVIEWER_LOGIN, 'ja');
    assert.equal(await page.textContent('#total'), '4');
    assert.equal(await page.locator('form.triage').count(), 0);
    await page.click('#nav-registers');
    assert.equal(await page.locator('#upload').count(), 0);
    assert.match(await page.textContent('#registers tbody'), /A電力[\s\S]*電気/, 'the sector by its name');
    assert.match(await page.textContent('#registers tbody time'), /^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$/);
    await look(page, 'registers');
    assert.deepEqual(blocked, [], 'nothing the pages need is blocked by their policy');
  } finally {
    await chrome.close();
  }
});

// Fills every gap the plan page asks for, by what each field is.
async function fillGaps(page, officers) {
  for (const field of await page.locator('#fill [data-pointer]').all()) {
    const pointer = await field.getAttribute('data-pointer');
    const last = pointer.split('/').pop();
    const value = {
      timing: '2027-04-01', period_from: '2027-04-01', period_until: '2030-03-31', date_of_birth: '1970-04-01',
      country_of_manufacture: 'CN', country_of_incorporation: 'CN', nationality: 'CN',
      major_holders: 'なし', officers, foreign_government_ties: 'なし', scope: 'maintenance',
      measures: '設定変更は国内の保守員のみが行う\nファームウェアは検証環境で確認してから適用する',
    }[last] ?? 'なし';
    await field.fill(value);
  }
  await page.click('#save-gaps');
}

async function step(page, action, note) {
  const form = page.locator(`#step-${action}`);
  if (note !== undefined) await form.locator('textarea[name=note]').fill(note);
  await form.locator('button[type=submit]').click();
  await page.waitForLoadState();
}

// Runs after the test above, whose upload is the register drawn from.
test('an operator drafts and files a plan; the ministry reviews it against the clock', async () => {
  const chrome = await browser();
  try {
    const operator = watch(await (await chrome.newContext()).newPage());
    const reviewer = watch(await (await chrome.newContext()).newPage());

    // The operator drafts from the register, in Japanese.
    await signIn(operator, process.env.SHINSA_OPERATOR_LOGIN, 'ja');
    await operator.click('#nav-plans');
    assert.equal(await operator.textContent('h1'), '導入等計画');
    await operator.fill('#new-plan input[name=title]', '保護リレー更新');
    await operator.selectOption('#new-plan select[name=register]', { index: 1 });
    await operator.click('#new-plan button[type=submit]');
    await operator.waitForURL(/\/ui\/plans\/plan_/);
    const planUrl = operator.url();
    assert.match(await operator.textContent('#plan-status'), /作成中/);
    assert.ok(await operator.locator('#fill [data-pointer]').count() >= 4, 'the ministry will ask for several things');

    // A wrong date of birth is refused, naming the field; what was typed stays.
    await fillGaps(operator, '王 偉, 1968-13-03, CN');
    assert.match(await operator.textContent('#errors'), /officers: line 1: a date as YYYY-MM-DD/);
    assert.equal(await operator.inputValue('[data-pointer$="/officers"]'), '王 偉, 1968-13-03, CN');
    await fillGaps(operator, '王 偉, 1968-02-03, CN');
    await operator.waitForSelector('#complete');
    assert.equal(await operator.textContent('#complete'), '不足事項はありません。届出できます。');
    assert.match(await operator.textContent('#items'), /王 偉 1968-02-03 CN/);
    await step(operator, 'file');
    assert.match(await operator.textContent('#plan-status'), /届出済/);
    assert.match(await operator.textContent('#snapshot'), /JP-ESPA/, 'the screening is frozen with the filing');
    await look(operator, 'plan-filed');

    // The ministry receives it, in English: the clock runs from today.
    await signIn(reviewer, process.env.SHINSA_REVIEWER_LOGIN, 'en');
    await reviewer.click('#nav-plans');
    assert.match(await reviewer.textContent('#plans tbody'), /保護リレー更新[\s\S]*Filed \(awaiting receipt\)/);
    await reviewer.click('#plans tbody a');
    await step(reviewer, 'receive');
    assert.equal(await reviewer.getAttribute('#due-on time', 'datetime'), process.env.SHINSA_EXPECTED_DUE);
    assert.match(await reviewer.textContent('#due-on'), /^\d{1,2} [A-Z][a-z]{2} \d{4}$/, 'the day in words');
    assert.equal(await reviewer.textContent('#days-left'), process.env.SHINSA_EXPECTED_DAYS_LEFT);
    await step(reviewer, 'request_information', 'Where is the maintenance done from?');
    assert.equal(await reviewer.textContent('#plan-status'), 'Information requested');
    await reviewer.click('#nav-plans');
    assert.equal(await reviewer.textContent('#plans tbody td.days'), process.env.SHINSA_EXPECTED_DAYS_LEFT);
    await look(reviewer, 'plans');

    // The operator answers; the ministry recommends a change.
    await operator.goto(planUrl);
    assert.match(await operator.textContent('#due-on'), /^\d{4}年\d{1,2}月\d{1,2}日$/, 'the day in Japanese');
    await step(operator, 'answer', '大阪の国内拠点からのみ保守します');
    assert.match(await operator.textContent('#plan-status'), /審査中/);
    await reviewer.goto(planUrl);
    await step(reviewer, 'recommend', 'Disable remote maintenance access');
    assert.equal(await reviewer.textContent('#plan-status'), 'Recommendation issued');
    assert.match(await reviewer.getAttribute('#response-due-on time', 'datetime'), /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(await reviewer.locator('#step-order').count(), 0, 'no order while the answer is still due');
    await reviewer.screenshot({ path: path.join(shots, 'plan-recommended-en.png'), fullPage: true });

    // The operator accepts; the ministry clears the plan.
    await operator.goto(planUrl);
    assert.match(await operator.textContent('#history'), /Disable remote maintenance access/);
    await step(operator, 'accept');
    assert.match(await operator.textContent('#plan-status'), /勧告応諾/);
    await reviewer.goto(planUrl);
    await step(reviewer, 'clear', 'Cleared with the accepted change');
    assert.equal(await reviewer.textContent('#plan-status'), 'Cleared (may be installed)');
    assert.equal(await reviewer.locator('#history tbody tr').count(), 7, "the ministry's history starts at the filing");
    await look(reviewer, 'plan-cleared');
    await operator.goto(planUrl);
    assert.match(await operator.textContent('#plan-status'), /審査終了（導入等可）/);
    assert.equal(await operator.locator('#history tbody tr').count(), 9, 'the operator sees its drafting too');
    await look(operator, 'plan-cleared');

    // The filing document, as the ministry downloads it.
    const pdf = await reviewer.request.get(base + await reviewer.getAttribute('#filing-pdf', 'href'));
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    fs.writeFileSync(path.join(shots, 'filing.pdf'), await pdf.body());
    await reviewer.click('#filing-html');
    await reviewer.waitForSelector('h1');
    assert.equal(await reviewer.textContent('h1'), '特定重要設備の導入等に関する計画書');
    assert.match(await reviewer.textContent('body'), /1968年2月3日/);
    await reviewer.screenshot({ path: path.join(shots, 'filing-html.png'), fullPage: true });

    // The dashboard: exposure across the sector, drawn by the server.
    await reviewer.goto(`${base}/ui/dashboard?lang=ja`);
    assert.equal(await reviewer.textContent('h1'), 'ダッシュボード');
    assert.match(await reviewer.textContent('#chart-vendors svg'), /Huawei Technologies/);
    assert.match(await reviewer.textContent('#chart-statuses svg'), /審査終了（導入等可）/);
    await reviewer.click('#chart-vendors svg a:has-text("Huawei")');
    await reviewer.waitForURL(/\/ui\/exposure\?vendor=/);
    assert.match(await reviewer.textContent('#exposure tbody'), /A電力[\s\S]*RLY-1[\s\S]*Huawei Technologies/, 'a vendor bar opens its assets');
    await reviewer.goto(`${base}/ui/dashboard`);
    await look(reviewer, 'dashboard');

    // Enforcement: an on-site inspection with a remediation milestone
    // measured on the operator's register.
    await reviewer.click('#nav-cases');
    await reviewer.selectOption('#open-case select[name=org_id]', { label: 'A電力' });
    await reviewer.selectOption('#open-case select[name=register_id]', { label: 'A電力 / main' });
    await reviewer.selectOption('#open-case select[name=kind]', 'on_site_inspection');
    await reviewer.fill('#open-case input[name=title]', '変電所ルータの立入検査');
    await reviewer.click('#open-case button[type=submit]');
    await reviewer.waitForURL(/\/ui\/cases\/case_/);
    assert.match(await reviewer.textContent('#documents'), /立入検査/);
    await reviewer.fill('#add-milestone input[name=title]', '外国製ルータの置換');
    await reviewer.fill('#add-milestone input[name=due]', '2027-03-31');
    await reviewer.fill('#add-milestone input[name=category]', 'router');
    await reviewer.fill('#add-milestone input[name=not_made_in]', 'JP');
    await reviewer.click('#add-milestone button[type=submit]');
    await reviewer.waitForSelector('.milestone .remaining');
    assert.equal(await reviewer.textContent('.milestone .remaining'), '1');
    // The inspection record as a file: kept by its hash, downloaded as it was.
    const record = Buffer.from('%PDF-1.4\n% inspection record\n%%EOF\n');
    await reviewer.fill('#add-document input[name=title]', '立入検査記録');
    await reviewer.setInputFiles('#add-document input[name=file]', { name: '検査記録.pdf', mimeType: 'application/pdf', buffer: record });
    await reviewer.click('#add-document button[type=submit]');
    await reviewer.waitForSelector('#documents a.document-file');
    assert.equal(await reviewer.textContent('#documents a.document-file'), '検査記録.pdf');
    const kept = await reviewer.request.get(base + await reviewer.getAttribute('#documents a.document-file', 'href'));
    assert.equal(kept.status(), 200);
    assert.equal(kept.headers()['content-type'], 'application/pdf');
    assert.deepEqual(Buffer.from(await kept.body()), record);
    await look(reviewer, 'case');
    await operator.goto(`${base}/ui/cases?lang=en`);
    assert.match(await operator.textContent('#cases tbody'), /On-site inspection/);
    await look(operator, 'cases');
    // The organisation's deliveries (its webhooks and mail), from the header.
    await operator.click('#nav-deliveries');
    assert.equal(await operator.textContent('h1'), 'Deliveries');
    assert.match(await operator.textContent('#mail-waits'), /no mail relay/, 'mail waits for a relay, and the page says so');
    await look(operator, 'deliveries');
    assert.deepEqual(blocked, [], 'nothing the pages need is blocked by their policy');
  } finally {
    await chrome.close();
  }
});
