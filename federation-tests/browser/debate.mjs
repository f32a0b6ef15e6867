// A debate in the browser: an official opens one, a citizen comments with a stance, replies and edits,
// the official agrees with one comment and hides another, search finds it;
// the counts show each side. axe-core checks every page on the way.

import { runJourney } from "./harness.mjs";
import { expectText, login, submit } from "./steps.mjs";

await runJourney(async ({ page, check, checkNarrow, config, step }) => {
  const base = config.base;

  step("the official opens a debate");
  await login(page, base, "marie", config.password);
  await page.locator("nav a[href='/debates']").click();
  await check(page, "debates-empty");
  await page.locator("a[href='/debates/new']").click();
  await check(page, "debate-new");
  await page.locator("#title").fill("La place du marché");
  await page.locator("#question").fill("Faut-il piétonniser la place le samedi ?");
  await page.locator("#body").fill("La place est **pleine** le samedi.\n\n- pour les piétons\n- contre les livraisons");
  await submit(page, "debate");
  await expectText(page, ".notice", "Débat ouvert.");
  await check(page, "debate");
  const url = page.url();
  await submit(page, "logout");

  step("a citizen comments with a stance, then replies");
  await login(page, base, "karim", config.password);
  await page.goto(url);
  await page.locator("#comment").fill("Oui, enfin une place pour les enfants !");
  await page.locator("#stance-for").check();
  await submit(page, "comment-form");
  await expectText(page, ".notice", "Commentaire publié.");
  await page.locator("ol.thread a", { hasText: "Répondre" }).first().click();
  await expectText(page, "#comment-form", "En réponse à");
  await page.locator("#comment").fill("Et le marché reste, bien sûr.");
  await page.locator("#stance-neutral").check();
  await submit(page, "comment-form");
  await page.locator("ol.replies").waitFor();

  step("the counts show each side");
  await expectText(page, ".stance-for", "1");
  await expectText(page, ".stance-neutral", "1");
  await expectText(page, ".stance-against", "0");
  await check(page, "debate-with-comments");
  await checkNarrow(page, "debate-with-comments");
  await page.goto(`${base}/`);
  await expectText(page, ".debates", "La place du marché");
  await check(page, "home-with-debate");

  step("the citizen edits his comment; the earlier version stays in its history");
  await page.goto(url);
  await page.locator("ol.thread > li > article a", { hasText: "Modifier" }).first().click();
  await expectText(page, "#comment-form", "Vous modifiez votre commentaire");
  await page.locator("#comment").fill("Oui, une place pour les enfants, le samedi matin.");
  await submit(page, "comment-form");
  await expectText(page, ".notice", "Commentaire modifié.");
  await expectText(page, "ol.thread", "le samedi matin");
  await page.locator("details.history summary").first().click();
  await expectText(page, "details.history", "Oui, enfin une place pour les enfants !");
  await check(page, "debate-with-history");
  await submit(page, "logout");

  step("the official agrees with a comment and hides another");
  await login(page, base, "marie", config.password);
  await page.goto(url);
  await page.locator("ol.thread > li > article form.agree button").first().click();
  await expectText(page, ".notice", "Votre accord est enregistré.");
  await expectText(page, "ol.thread .agrees", "1 d’accord");
  await page.locator("ol.replies form.hide button").first().click();
  await expectText(page, ".notice", "Commentaire masqué.");
  await expectText(page, "ol.replies", "Commentaire masqué par la modération.");
  await expectText(page, ".stance-neutral", "0");
  await check(page, "debate-moderated");

  step("search finds the debate and the comment");
  await page.goto(`${base}/debates`);
  await check(page, "debates-list");
  await page.locator("#q").fill("enfants");
  await page.locator("form[role=search] button[type=submit]").click();
  await expectText(page, "main", "le samedi matin");
  await check(page, "search");
});
