// Moderation in the browser: a citizen reports a comment, the official (who speaks for the commune) hides it
// from the queue, and the action is in the audit log and on the transparency page. axe-core checks every page.

import { runJourney } from "./harness.mjs";
import { expectText, login, submit } from "./steps.mjs";

await runJourney(async ({ page, check, checkNarrow, config, step }) => {
  const base = config.base;

  step("a debate and a rude comment");
  await login(page, base, "marie", config.password);
  await page.goto(`${base}/debates/new`);
  await page.locator("#title").fill("Le marché du dimanche");
  await page.locator("#question").fill("Faut-il le garder ?");
  await submit(page, "debate");
  await expectText(page, ".notice", "Débat ouvert.");
  const url = page.url();
  await submit(page, "logout");
  await login(page, base, "karim", config.password);
  await page.goto(url);
  await page.locator("#comment").fill("Vous êtes tous des abrutis.");
  await page.locator("#stance-against").check();
  await submit(page, "comment-form");
  await expectText(page, ".notice", "Commentaire publié.");
  await submit(page, "logout");

  step("a citizen reports it");
  await login(page, base, "lea", config.password);
  await page.goto(url);
  await page.locator("ol.thread a.report").first().click();
  await check(page, "report");
  await page.locator("#reason").selectOption("insult");
  await page.locator("#comment").fill("Une insulte envers tout le monde.");
  await submit(page, "report");
  await expectText(page, ".notice", "Merci : les modérateurs vont examiner votre signalement.");
  await submit(page, "logout");

  step("the official hides it from the queue");
  await login(page, base, "marie", config.password);
  await page.locator("nav a[href='/moderation']").click();
  await expectText(page, "article.report", "Insulte ou attaque personnelle");
  await check(page, "moderation-queue");
  await checkNarrow(page, "moderation-queue");
  await page.locator("article.report select").first().selectOption("hide");
  await page.locator("article.report textarea").first().fill("Insulte envers les habitants.");
  await page.locator("article.report button[type=submit]").first().click();
  await expectText(page, ".notice", "C’est fait");
  await check(page, "moderation-queue-empty");
  await page.goto(url);
  await expectText(page, "ol.thread", "Commentaire masqué par la modération.");

  step("the audit log and the transparency page say so");
  await page.goto(`${base}/moderation/log`);
  await expectText(page, "table.log", "Masquer le commentaire");
  await expectText(page, "table.log", "Insulte envers les habitants.");
  await check(page, "moderation-log");
  await submit(page, "logout");
  await page.goto(`${base}/transparency`);
  await expectText(page, "table.transparency", "Insulte ou attaque personnelle");
  await check(page, "transparency");
});
