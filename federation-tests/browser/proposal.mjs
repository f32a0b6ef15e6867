// A proposal in the browser: a citizen proposes, a resident supports and follows it, the official answers
// publicly; the author reads the answer in the history and in his notifications. axe-core checks every page.

import { runJourney } from "./harness.mjs";
import { expectText, login, submit } from "./steps.mjs";

await runJourney(async ({ page, check, checkNarrow, config, step }) => {
  const base = config.base;

  step("a citizen proposes");
  await login(page, base, "karim", config.password);
  await page.locator("nav a[href='/proposals']").click();
  await check(page, "proposals-empty");
  await page.locator("a[href='/proposals/new']").click();
  await check(page, "proposal-new");
  await page.locator("#title").fill("Des bancs sur la place du marché");
  await submit(page, "proposal");
  await page.locator(".error-summary").waitFor();
  await check(page, "proposal-new-errors");
  await page.locator("#summary").fill("Pour que les anciens puissent s'asseoir à l'ombre.");
  await page.locator("#body").fill("Trois bancs **sous les platanes**.");
  await page.locator("#place").fill("Place du Marché");
  await page.locator("#latitude").fill("47.45");
  await page.locator("#longitude").fill("2.86");
  await submit(page, "proposal");
  await expectText(page, ".notice", "Votre proposition est publiée.");
  await expectText(page, "section.proposal", "En recherche de soutiens");
  await check(page, "proposal");
  await checkNarrow(page, "proposal");
  const url = page.url();
  await submit(page, "logout");

  step("a resident supports it");
  await login(page, base, "lea", config.password);
  await page.goto(url);
  await page.locator("section.proposal form.support button").click();
  await expectText(page, ".notice", "Votre soutien est compté.");
  await expectText(page, "ul.supports", "Habitants : 1");
  await expectText(page, "section.proposal form.support button", "Retirer mon soutien");
  await check(page, "proposal-supported");
  await submit(page, "logout");

  step("the official answers publicly");
  await login(page, base, "marie", config.password);
  await page.goto(url);
  await page.locator("#status").selectOption("accepted");
  await page.locator("#answer").fill("Le conseil municipal a voté **trois bancs** pour le printemps.");
  await submit(page, "proposal-answer");
  await expectText(page, ".notice", "La réponse est publiée.");
  await expectText(page, "ol.history", "trois bancs");
  await expectText(page, "section.proposal .badge", "Acceptée");
  await check(page, "proposal-answered");
  await page.goto(`${base}/proposals?status=accepted`);
  await expectText(page, "ul.proposals", "Des bancs sur la place du marché");
  await check(page, "proposals-list");
  await submit(page, "logout");

  step("the author reads the answer in his notifications");
  await login(page, base, "karim", config.password);
  await page.locator("nav a[href='/notifications']").click();
  await expectText(page, "ul.notifications", "a reçu une réponse");
  await check(page, "notifications");
  await page.locator("ul.notifications a").first().click();
  await expectText(page, "ol.history blockquote", "trois bancs");
});
