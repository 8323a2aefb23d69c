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
    const page = await chrome.newPage();

    // A wrong password is refused with a message, in the language asked for.
    await page.goto(`${base}/login?lang=ja`);
    await page.fill('input[name=login]', process.env.SHINSA_OPERATOR_LOGIN);
    await page.fill('input[name=password]', 'not the password');
    await page.click('#sign-in');
    assert.equal(await page.textContent('[role=alert]'), 'ログイン名またはパスワードが正しくありません。');

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
    await page.screenshot({ path: path.join(shots, 'findings-en.png'), fullPage: true });

    // The same page in Japanese.
    await page.click('#lang-switch');
    await page.waitForSelector('h1:text("指摘事項")');
    await page.fill('#q', '');
    await page.selectOption('#status', 'accepted_risk');
    await page.waitForFunction(() => document.querySelector('#total').textContent === '1');
    assert.match(await page.textContent('#results tbody tr .status'), /リスク受容/);
    await page.screenshot({ path: path.join(shots, 'findings-ja.png'), fullPage: true });
    await page.click('#sign-out');
    await page.waitForURL(/\/login/);

    // The regulator's reviewer sees the operator's findings, and cannot change them.
    await signIn(page, process.env.SHINSA_REVIEWER_LOGIN, 'ja');
    assert.equal(await page.textContent('#total'), '4');
    assert.equal(await page.locator('form.triage').count(), 0);
    await page.click('#nav-registers');
    assert.equal(await page.locator('#upload').count(), 0);
    assert.match(await page.textContent('#registers tbody'), /A電力/);
    await page.screenshot({ path: path.join(shots, 'registers-ja-reviewer.png'), fullPage: true });
  } finally {
    await chrome.close();
  }
});
