// A problem report in the browser: a resident reports a pothole with a photo, giving the place in the
// latitude and longitude fields from the keyboard (the map follows them; its tiles come from a loopback
// stub); the commune's agent accepts the photo and acknowledges the report with a public message; the list
// shows it on the map. axe-core checks every page.

import { runJourney } from "./harness.mjs";
import { expectText, login, submit } from "./steps.mjs";

await runJourney(async ({ page, check, checkNarrow, config, step }) => {
  const base = config.base;

  step("a resident reports a problem, the place typed in");
  await login(page, base, "lea", config.password);
  await page.locator("nav a[href='/problems']").click();
  await check(page, "problems-empty");
  await page.locator("a[href='/problems/new']").first().click();
  await page.locator("#problem-map .leaflet-tile-loaded").first().waitFor();
  await check(page, "problem-new");
  await page.locator("#category").selectOption({ label: "Voirie" });
  await page.locator("#report").fill("Un nid-de-poule profond devant l'école.");
  await page.locator("#address").fill("12 rue des Écoles");
  // Keyboard only: focus the field and type, as a person without a mouse does.
  await page.locator("#latitude").focus();
  await page.keyboard.type("45.7578");
  await page.keyboard.press("Tab");
  await page.keyboard.type("4.8320");
  // The map's marker follows the typed place.
  await page.locator("#problem-map .leaflet-marker-icon").waitFor();
  await page.locator("#photo1").setInputFiles(config.photo);
  await page.locator("#alt1").fill("Le trou, vu du trottoir");
  await submit(page, "problem");
  await expectText(page, ".notice", "Merci");
  await expectText(page, "#problem-status", "Nouveau");
  await expectText(page, "#photos", "En attente de vérification");
  const reportUrl = page.url();
  await check(page, "problem");
  await checkNarrow(page, "problem");
  await submit(page, "logout");

  step("the agent accepts the photo and acknowledges the report");
  await login(page, base, "agathe", config.password);
  await page.goto(reportUrl);
  await page.getByRole("button", { name: "Accepter" }).click();
  await page.locator("#photos img").first().waitFor();
  await page.locator("#status").selectOption("acknowledged");
  await page.locator("#message").fill("Les services techniques passent jeudi.");
  await submit(page, "problem-status-form");
  await expectText(page, ".notice", "Statut changé");
  await expectText(page, "#problem-status", "Pris en compte");
  await expectText(page, "#problem-history", "Les services techniques passent jeudi.");
  await check(page, "problem-acknowledged");

  step("the work queue and the map of reports");
  await page.goto(`${base}/problems/queue`);
  await check(page, "problems-queue");
  await page.goto(`${base}/problems`);
  await page.locator("#problems-map .leaflet-marker-icon").first().waitFor();
  await check(page, "problems");
  await submit(page, "logout");
});
