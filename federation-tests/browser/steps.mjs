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

// The newest message in `dir` (an instance without an SMTP server writes each one there as an .eml file)
// holding a link to `path`, as a person would find it in their mailbox: the link, decoded.
export async function linkFromMail(dir, path) {
  const { readdirSync, readFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const pattern = new RegExp(`https?://[^\\s"<>]*${path.replace(/\//g, "\\/")}\\?token=[A-Za-z0-9_-]+`);
  for (let i = 0; i < 200; i++) {
    let files = [];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith(".eml")).sort().reverse();
    } catch {
      // Not written yet.
    }
    for (const file of files) {
      const found = decodeMail(readFileSync(join(dir, file), "utf8")).match(pattern);
      if (found) return found[0];
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no message with a link to ${path} in ${dir}`);
}

// A message's text with quoted-printable undone and base64 parts decoded (enough to find an ASCII link).
function decodeMail(raw) {
  let text = raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
  for (const part of raw.matchAll(/Content-Transfer-Encoding: base64\r?\n(?:[^\r\n]+\r?\n)*\r?\n([A-Za-z0-9+/=\r\n]+)/g)) {
    text += "\n" + Buffer.from(part[1].replace(/\s/g, ""), "base64").toString("utf8");
  }
  return text;
}
