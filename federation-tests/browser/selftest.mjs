// The harness against itself (federation-tests/browser_selftest.rs): a clean page, a page with
// accessibility faults and a page too wide for a phone, so the harness is seen to catch problems.
// Config: `base` (http://selftest.parvis.test:PORT), `mode` ('pages', 'throw' or 'hang').

import { runJourney } from "./harness.mjs";

await runJourney(async ({ page, check, checkNarrow, config, step, record }) => {
  step("clean page");
  await page.goto(`${config.base}/`);
  await check(page, "clean");
  await checkNarrow(page, "clean");

  if (config.mode === "hang") {
    step("hanging on purpose");
    await new Promise(() => {});
  }

  if (config.mode === "throw") {
    step("a step that fails");
    await page.goto(`${config.base}/broken`);
    throw new Error("the self-test journey fails on purpose");
  }

  step("page with accessibility faults");
  await page.goto(`${config.base}/broken`);
  await check(page, "broken");

  step("page too wide for a phone");
  await page.goto(`${config.base}/wide`);
  await checkNarrow(page, "wide");

  step("Accept-Language from the locale");
  await page.goto(`${config.base}/language`);
  const language = await page.locator("#accept-language").textContent();
  const viewport = page.viewportSize();

  step("unmapped host names and IP literals do not resolve");
  const unmapped = await page
    .goto("http://unmapped.parvis.test/")
    .then(() => "loaded")
    .catch((e) => e.message.split("\n")[0]);

  const ipLiteral = await page
    .goto(`http://127.0.0.5:${new URL(config.base).port}/`)
    .then(() => "loaded")
    .catch((e) => e.message.split("\n")[0]);

  record("acceptLanguage", language);
  record("ipLiteral", ipLiteral);
  record("viewport", viewport);
  record("unmapped", unmapped);
});
