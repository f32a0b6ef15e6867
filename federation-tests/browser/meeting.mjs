// A meeting in the browser: an official schedules a public meeting with an agenda, from the agenda page's
// button; a citizen registers and downloads its .ics (what the download holds goes back to the Rust test,
// which reads it with an independent parser); a resident finds it full and joins the waiting list. axe-core
// checks every page.

import { readFileSync } from "node:fs";

import { runJourney } from "./harness.mjs";
import { expectText, login, submit } from "./steps.mjs";

/** A day `days` from now as the form takes it (the commune's clocks: Paris). */
function day(days) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

await runJourney(async ({ page, check, checkNarrow, config, step, record }) => {
  const base = config.base;

  step("an official schedules a public meeting with an agenda");
  await login(page, base, "marie", config.password);
  await page.locator("nav a[href='/meetings']").first().click();
  await check(page, "meetings-empty");
  await page.locator("a[href='/meetings/new']").click();
  await check(page, "meeting-new");
  await page.locator("#title").fill("Réunion publique : le marché");
  await page.locator("#category").selectOption("public_meeting");
  // A first try with the end before the start: refused, the error next to the field.
  await page.locator("#starts").fill(`${day(10)} 18:30`);
  await page.locator("#ends").fill(`${day(10)} 17:00`);
  await page.locator("#address").fill("Salle des fêtes, place de la Mairie");
  await page.locator("#capacity").fill("1");
  await page.locator("#description").fill("Venez **nombreux** parler du marché du dimanche.");
  await page.locator("#agenda").fill("Accueil\nLe marché du dimanche\nQuestions diverses");
  await submit(page, "meeting-form");
  await page.locator("#ends-error").waitFor();
  await check(page, "meeting-new-refused");
  await page.locator("#ends").fill(`${day(10)} 20:30`);
  await submit(page, "meeting-form");
  await expectText(page, "#meeting-agenda", "Le marché du dimanche");
  await expectText(page, "#meeting-seats", "0 sur 1");
  const meetingUrl = page.url();
  await check(page, "meeting");
  await submit(page, "logout");

  step("a citizen registers and downloads the meeting for a calendar");
  await login(page, base, "karim", config.password);
  await page.goto(`${base}/meetings`);
  await page.locator("#meetings a", { hasText: "le marché" }).click();
  await submit(page, "meeting-register");
  await expectText(page, "#meeting-mine", "Vous êtes inscrit");
  await check(page, "meeting-registered");
  await checkNarrow(page, "meeting-registered");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.locator("#meeting-ics").click(),
  ]);
  record("icsName", download.suggestedFilename());
  record("ics", readFileSync(await download.path(), "utf8"));
  await submit(page, "logout");

  step("a resident finds it full and waits for a seat");
  await login(page, base, "lea", config.password);
  await page.goto(meetingUrl);
  await expectText(page, "#meeting-register button", "liste d'attente");
  await submit(page, "meeting-register");
  await expectText(page, "#meeting-mine", "liste d'attente");
  await check(page, "meeting-waiting");
  await submit(page, "logout");
});
