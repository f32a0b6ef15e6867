// An app asks Léa for access: Chromium signs her in, shows the consent page (axe-core checks it), and on
// "Accepter" follows the redirect to the app, on another origin (the page's form-action admits it). Then her
// settings list the app, and she takes its access back.

import { runJourney } from "./harness.mjs";
import { expectText, login, submit } from "./steps.mjs";

await runJourney(async ({ page, check, checkNarrow, config, step }) => {
  const base = config.base;

  step("the app sends Léa to the consent page; she signs in first");
  await page.goto(`${base}${config.authorize}`);
  await page.locator("#username").fill("lea");
  await page.locator("#password").fill(config.password);
  await submit(page, "login");
  // Asked for an email address first (she has none): "not now" leads on to the consent page.
  if (page.url().includes("/email/ask")) await submit(page, "dismiss-email");
  await page.locator("#oauth-consent").waitFor();
  await expectText(page, "h1", "Carnet de quartier");
  await expectText(page, "#oauth-scopes", "write:statuses");
  await check(page, "oauth-consent");
  await checkNarrow(page, "oauth-consent");

  step("she approves: the browser goes back to the app with a code");
  await page.getByRole("button", { name: "Accepter" }).click();
  await page.waitForURL((url) => url.href.startsWith(config.app) && url.searchParams.has("code"));
  const back = new URL(page.url());
  if (back.searchParams.get("state") !== "st-42") throw new Error(`state lost: ${page.url()}`);

  step("her settings list the app; she takes its access back");
  await page.goto(`${base}/settings`);
  await page.locator("#apps-link").click();
  await expectText(page, "#oauth-apps", "Carnet de quartier");
  await check(page, "oauth-apps");
  await page.getByRole("button", { name: "Retirer l’accès" }).click();
  await expectText(page, "main", "Aucune application");
  await check(page, "oauth-apps-none");
});
