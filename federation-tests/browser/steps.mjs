// Steps every journey takes: submit a form by its id, check a text, sign in.

export function submit(page, formId) {
  return page.locator(`form#${formId} button[type=submit]`).click();
}

export async function expectText(page, selector, text) {
  const got = (await page.locator(selector).first().innerText()).trim();
  if (!got.includes(text)) throw new Error(`${selector}: expected “${text}”, got “${got}”`);
}

export async function login(page, base, username, password) {
  await page.goto(`${base}/login`);
  await page.locator("#username").fill(username);
  await page.locator("#password").fill(password);
  await submit(page, "login");
  await page.locator("form#logout").waitFor();
}
