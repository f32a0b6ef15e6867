// Polls and questionnaires in the browser: the official asks a poll (residents form the result) and a
// questionnaire; a resident votes and sees the chart, answers the questionnaire; the official reads the
// results with their charts and the free-text answers. axe-core checks every page.

import { runJourney } from "./harness.mjs";
import { expectText, login, submit } from "./steps.mjs";

const inThreeDays = new Date(Date.now() + 3 * 86400000).toISOString().slice(0, 10);

await runJourney(async ({ page, check, checkNarrow, config, step }) => {
  const base = config.base;

  step("the official asks a poll");
  await login(page, base, "marie", config.password);
  await page.locator("nav a[href='/polls']").click();
  await check(page, "polls-empty");
  await page.locator("a[href='/polls/new']").click();
  await check(page, "poll-new");
  await page.locator("#question").fill("Quel jour pour le marché ?");
  await page.locator("#options").fill("Samedi");
  await page.locator("#closes_on").fill(inThreeDays);
  await submit(page, "poll");
  await page.locator(".error-summary").waitFor();
  await check(page, "poll-new-errors");
  await page.locator("#options").fill("Samedi\nDimanche\nMercredi");
  await page.locator("#eligibility").selectOption("residents");
  await submit(page, "poll");
  await expectText(page, ".notice", "Votre sondage est publié.");
  const pollUrl = page.url();

  step("and a questionnaire");
  await page.goto(`${base}/questionnaires/new`);
  await check(page, "questionnaire-new");
  await page.locator("#title").fill("Consultation sur la place");
  await page.locator("#intro").fill("Votre **avis** compte.");
  await page.locator("#closes_on").fill(inThreeDays);
  await page.locator("#q1_prompt").fill("Faut-il piétonniser la place ?");
  await page.locator("#q1_kind").selectOption("single");
  await page.locator("#q1_options").fill("Oui\nNon");
  await page.locator("#q2_prompt").fill("Votre satisfaction actuelle");
  await page.locator("#q2_kind").selectOption("scale");
  await page.locator("#q3_prompt").fill("Une idée ?");
  await page.locator("#q3_kind").selectOption("text");
  await submit(page, "questionnaire");
  await expectText(page, ".notice", "Votre questionnaire est publié.");
  const questionnaireUrl = page.url();
  await submit(page, "logout");

  step("a resident votes and sees the chart");
  await login(page, base, "lea", config.password);
  await page.goto(pollUrl);
  await check(page, "poll");
  await page.getByRole("radio", { name: "Samedi" }).check();
  await submit(page, "vote");
  await expectText(page, ".notice", "Votre vote est enregistré.");
  await expectText(page, "p.voted", "Samedi");
  await expectText(page, "section.results", "1 votant");
  await page.locator("section.results figure.chart svg").first().waitFor();
  await check(page, "poll-voted");
  await checkNarrow(page, "poll-voted");

  step("and answers the questionnaire");
  await page.goto(questionnaireUrl);
  await check(page, "questionnaire");
  await page.getByRole("radio", { name: "Oui" }).check();
  await page.getByRole("radio", { name: "4", exact: true }).check();
  await page.locator("textarea").fill("Des arbres, et des bancs à l'ombre.");
  await submit(page, "answers");
  await expectText(page, ".notice", "Vos réponses sont enregistrées.");
  await expectText(page, "p.voted", "Vous avez répondu");
  await check(page, "questionnaire-answered");
  await submit(page, "logout");

  step("the official reads the results");
  await login(page, base, "marie", config.password);
  await page.goto(`${questionnaireUrl}/results`);
  await expectText(page, "ul.texts", "Des arbres");
  const charts = await page.locator("figure.chart svg").count();
  if (charts !== 2) throw new Error(`expected 2 charts, got ${charts}`);
  await check(page, "questionnaire-results");
  await page.goto(`${base}/`);
  await expectText(page, "ul.polls", "Quel jour pour le marché ?");
  await check(page, "home-with-poll");
});
