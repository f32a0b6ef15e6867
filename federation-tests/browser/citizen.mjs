// The citizen's journey through Parvis's web pages (issue: "The web interface"):
// register with an invitation code and an address → confirm it by the link in the mail → accept the
// charter → set the language → post → follow an
// account on another instance → log out; the admin publishes a new charter and the citizen is
// asked to accept it again; then they forget their password and set a new one by mail. axe-core checks every page on the way; the main ones also at 360 px.
//
// Fields are found by their ids (the same in both languages) and buttons by the form they submit,
// so the journey does not depend on wording; what it reads back is checked in the language the
// page is meant to be in.

import { runJourney } from "./harness.mjs";
import { linkFromMail } from "./steps.mjs";

function submit(page, formId) {
  return page.locator(`form#${formId} button[type=submit]`).click();
}

async function expectText(page, selector, text) {
  const got = (await page.locator(selector).first().innerText()).trim();
  if (!got.includes(text)) throw new Error(`${selector}: expected “${text}”, got “${got}”`);
}

await runJourney(async ({ page, check, checkNarrow, config, step, record }) => {
  const base = config.base;

  step("the commune's home page, as a visitor");
  await page.goto(`${base}/`);
  await expectText(page, "html", "Belleville-sur-Loire");
  await expectText(page, ".officials", "Maire");
  await check(page, "home");
  await checkNarrow(page, "home");

  step("keyboard: the first Tab reaches the skip link, visibly, and it leads to the content");
  await page.keyboard.press("Tab");
  const focus = await page.evaluate(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return { cls: el.className, outline: style.outlineStyle, width: style.outlineWidth, left: box.left };
  });
  if (focus.cls !== "skip") throw new Error(`first Tab went to “${focus.cls}”, not the skip link`);
  if (focus.outline === "none" || focus.width === "0px") throw new Error("the focused skip link has no outline");
  if (focus.left < 0) throw new Error("the focused skip link stays off screen");
  await page.keyboard.press("Enter");
  const target = await page.evaluate(() => document.activeElement?.id);
  if (target !== "main") throw new Error(`the skip link moved focus to “${target}”, not #main`);

  step("registration: a mistake first (charter not accepted)");
  await page.locator("a[href='/register']").first().click();
  await page.locator("#invite").fill(config.invite);
  await page.locator("#username").fill("camille");
  await page.locator("#display_name").fill("Camille Martin");
  await page.locator("#email").fill("camille@ville.example");
  await page.locator("#password").fill(config.password);
  await check(page, "register");
  await checkNarrow(page, "register");
  await submit(page, "register");
  await page.locator("#accept_charter-error").waitFor();
  await expectText(page, "#accept_charter-error", "accepter la charte");
  if ((await page.locator("#username").inputValue()) !== "camille") throw new Error("username not kept");
  await check(page, "register-error");

  step("registration: with the charter accepted");
  await page.locator("#password").fill(config.password);
  await page.locator("#accept_charter").check();
  await submit(page, "register");
  await page.locator("form#logout").waitFor();
  await expectText(page, ".notice", "Bienvenue");
  // Until the address is confirmed, the page says so, and the account reads but does not write.
  await expectText(page, "#confirm-email", "camille@ville.example");
  await check(page, "home-signed-in");

  step("confirm the address with the link found in the mail");
  const confirmation = await linkFromMail(config.mailDir, "/email/confirm");
  await page.goto(confirmation);
  await check(page, "confirm-email");
  await submit(page, "confirm-email-form");
  await expectText(page, ".notice", "Adresse confirmée");
  if (await page.locator("#confirm-email").count()) throw new Error("still asked to confirm the address");

  step("settings: switch the interface to English");
  await page.goto(`${base}/settings`);
  await check(page, "settings");
  await checkNarrow(page, "settings");
  await page.locator("#bio").fill("Cycliste, jardinière.");
  await page.locator("#language").selectOption("en");
  await submit(page, "settings");
  await expectText(page, ".notice", "Changes saved.");
  const lang = await page.locator("html").getAttribute("lang");
  if (lang !== "en") throw new Error(`the page is in ${lang}, not en`);
  await check(page, "settings-saved");

  step("post a message");
  await page.locator("nav a[href='/post']").click();
  await check(page, "post-form");
  await page.locator("#content").fill("Hello from the browser: when is the next council meeting?");
  await submit(page, "post");
  await expectText(page, ".notice", "Message published.");
  await expectText(page, "article.post", "next council meeting");
  await check(page, "post");

  step("follow an account on another instance");
  await page.locator("nav a[href='/follow']").click();
  await page.locator("#handle").fill(config.remote);
  await submit(page, "lookup");
  await page.locator("#lookup-result").waitFor();
  await check(page, "lookup-result");
  await submit(page, "follow-form");
  await expectText(page, ".notice", "Follow request sent.");
  // The other instance accepts on its own; the list shows the account once its Accept is in.
  for (let i = 0; i < 40; i++) {
    if ((await page.locator(".follow-list").count()) > 0 &&
        !(await page.locator(".follow-list .pending").count())) break;
    await page.waitForTimeout(500);
    await page.reload();
  }
  await expectText(page, ".follow-list", config.remote);
  await check(page, "following");

  step("the citizen's own profile");
  await page.goto(`${base}/users/camille`);
  await expectText(page, ".profile", "Cycliste");
  await check(page, "profile");
  await checkNarrow(page, "profile");

  step("the followers list");
  await page.goto(`${base}/users/camille/followers`);
  await check(page, "followers");

  step("log out");
  await submit(page, "logout");
  await page.locator("a[href^='/login']").first().waitFor();
  await check(page, "logged-out");

  step("the admin publishes a new version of the charter");
  await page.goto(`${base}/login`);
  await check(page, "login");
  await page.locator("#username").fill(config.admin);
  await page.locator("#password").fill(config.password);
  await submit(page, "login");
  // The admin too accepts the charter in force before anything else.
  await page.locator("form#charter-form").waitFor();
  await check(page, "charter-admin");
  await page.locator("#accept_charter").check();
  await submit(page, "charter-form");
  await page.goto(`${base}/admin`);
  await check(page, "admin");
  await checkNarrow(page, "admin");
  await page.locator("#charter").fill("Charte, version 2.\n\nPas d’attaques personnelles, même entre élus.");
  await submit(page, "charter-edit");
  // The browser remembers the English chosen earlier (a cookie): the admin has no language of their own.
  await expectText(page, ".notice", "New version of the charter published");
  await check(page, "admin-published");
  await submit(page, "logout");

  step("the citizen logs in and is asked to accept the new charter");
  await page.goto(`${base}/login`);
  await page.locator("#username").fill("camille");
  await page.locator("#password").fill(config.password);
  await submit(page, "login");
  await page.locator("form#charter-form").waitFor();
  await expectText(page, "#charter-text", "Pas d’attaques personnelles");
  await expectText(page, "main", "The charter has changed.");
  await check(page, "charter-again");
  await submit(page, "charter-form");
  await page.locator("#accept_charter-error").waitFor();
  await check(page, "charter-error");
  await page.locator("#accept_charter").check();
  await submit(page, "charter-form");
  await expectText(page, ".notice", "you have accepted the charter");
  await check(page, "after-charter");
  await submit(page, "logout");

  step("the citizen forgot their password: a link by mail, a new password, signed in with it");
  await page.goto(`${base}/login`);
  await page.locator("#forgot-link").click();
  await check(page, "forgot");
  await checkNarrow(page, "forgot");
  await page.locator("#email").fill("camille@ville.example");
  await submit(page, "forgot");
  await page.locator("#forgot-sent").waitFor();
  await check(page, "forgot-sent");
  const reset = await linkFromMail(config.mailDir, "/password/reset");
  await page.goto(reset);
  await check(page, "reset");
  await page.locator("#password").fill("short");
  await submit(page, "reset");
  await page.locator("#password-error").waitFor();
  await check(page, "reset-error");
  await page.locator("#password").fill(config.newPassword);
  await submit(page, "reset");
  await page.locator("form#login").waitFor();
  await expectText(page, ".notice", "Password changed");
  await check(page, "login-after-reset");
  await page.locator("#username").fill("camille");
  await page.locator("#password").fill(config.newPassword);
  await submit(page, "login");
  await page.locator("form#logout").waitFor();
  // The link served once.
  await page.goto(reset);
  await expectText(page, "main", "already used");
  await check(page, "reset-used");
  record("final_url", page.url());
});
