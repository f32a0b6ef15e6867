// The council in the browser: the admin finds the councillors imported from the national register on the
// council page, confirms one's account and makes a claim code for another, records a mandate; the official
// enters the code and sees the mandate on their profile. axe-core checks every page.

import { runJourney } from "./harness.mjs";
import { expectText, login, submit } from "./steps.mjs";

await runJourney(async ({ page, check, checkNarrow, config, step }) => {
  const base = config.base;

  step("the admin reaches the council from the admin page");
  await login(page, base, "admin", config.password);
  await page.goto(`${base}/admin`);
  await page.locator("#council-link").click();
  await expectText(page, "#council-members", "DUPONTEXEMPLE");
  await check(page, "council");
  await checkNarrow(page, "council");

  step("the admin confirms Bruno's account and makes a claim code for Aline");
  const bruno = page.locator("#council-members tr", { hasText: "MARTINEXEMPLE" });
  await bruno.locator("input[name=username]").fill("bruno");
  await bruno.getByRole("button", { name: "Confirmer" }).click();
  await expectText(page, "#council-members tr:has-text('MARTINEXEMPLE')", "@bruno");
  const aline = page.locator("#council-members tr", { hasText: "DUPONTEXEMPLE" });
  await aline.getByRole("button", { name: "Créer un code de revendication" }).click();
  const code = (await page.locator("#claim-code code").innerText()).trim();
  await check(page, "council-code");

  step("the admin records a mandate");
  await page.locator("#mandate-add #username").fill("bruno");
  await page.locator("#mandate-add #office").fill("Délégué aux mobilités");
  await page.locator("#mandate-add #body").fill("Conseil municipal de Belleville");
  await page.locator("#mandate-add #since").fill("2026-04-01");
  await submit(page, "mandate-add");
  await expectText(page, "#council-mandates", "Délégué aux mobilités");
  await check(page, "council-mandates");
  await submit(page, "logout");

  step("Aline claims her profile with the code");
  await login(page, base, "aline", config.password);
  await page.goto(`${base}/claim`);
  await check(page, "claim");
  await page.locator("#code").fill("WRONG-CODE0");
  await submit(page, "claim");
  await page.locator("#code-error").waitFor();
  await check(page, "claim-refused");
  await page.locator("#code").fill(code);
  await submit(page, "claim");
  await expectText(page, ".notice", "profil");
  await expectText(page, "main", "Maire");
  await check(page, "profile-claimed");
  await submit(page, "logout");
});
