// The browser-test harness: headless Chromium (Debian's /usr/bin/chromium) driven through
// playwright-core, with axe-core run on every page a journey checks.
//
// A journey is a Node script that calls `runJourney`:
//
//   import { runJourney } from "./harness.mjs";
//   await runJourney(async ({ page, check, checkNarrow, config, step, record }) => {
//     step("home page");
//     await page.goto(config.base);
//     await check(page, "home");
//     await checkNarrow(page, "home");
//     record("title", await page.title());
//   });
//
// The Rust side (federation-tests/support/browser.rs) runs the script with the config in the
// BROWSER_CONFIG environment variable and reads the one `BROWSER_REPORT <json>` line it prints
// on stdout. Log anything else on stderr: the Rust side shows its tail when a journey fails.
//
// Chromium resolves only the names in `config.hosts` and `localhost`: any other name, and any IP
// literal (127.0.0.2 included), fails with net::ERR_NAME_NOT_RESOLVED, so use the test host names.

import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.BROWSER_EXECUTABLE || "/usr/bin/chromium";
export const VIEWPORT = { width: 1280, height: 900 };
export const NARROW = { width: 360, height: 740 };
/** axe-core tags: WCAG 2.0 and 2.1, levels A and AA. */
export const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
/** The impacts that fail a journey. */
export const FAILING_IMPACTS = ["serious", "critical"];
const DEFAULT_TIMEOUT_MS = 120_000;
/** Bounds each Playwright action and navigation, so one stuck call fails with its own error. */
const ACTION_TIMEOUT_MS = 20_000;
/** Bounds the clean-up (failure screenshot, closing the browser) after a failure or a timeout. */
const CLEANUP_TIMEOUT_MS = 10_000;

let axeSource;
function axeScript() {
  axeSource ??= readFileSync(new URL("./node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
  return axeSource;
}

/**
 * Chromium's --host-resolver-rules for `hosts` (name → IP): every listed name goes to its
 * address, `localhost` resolves as usual, and every other name fails to resolve, so a page can
 * never reach the network outside the test addresses.
 */
export function hostResolverRules(hosts = {}) {
  const rules = Object.entries(hosts).map(([name, ip]) => {
    if (!/^[A-Za-z0-9.*-]+$/.test(name)) throw new Error(`bad test host name: ${name}`);
    let address = String(ip);
    if (!/^[0-9A-Fa-f.:[\]]+$/.test(address)) throw new Error(`bad address for ${name}: ${ip}`);
    // An IPv6 replacement needs its brackets, or its colons read as a port.
    if (address.includes(":") && !address.startsWith("[")) address = `[${address}]`;
    return `MAP ${name} ${address}`;
  });
  rules.push("MAP * ~NOTFOUND", "EXCLUDE localhost");
  return rules.join(", ");
}

/**
 * Starts headless Chromium with one context and one page.
 * Options: `hosts` (name → IP), `locale` (e.g. 'fr-FR'; also the Accept-Language header).
 */
export async function launch({ hosts = {}, locale = "en-US" } = {}) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      "--no-proxy-server",
      `--host-resolver-rules=${hostResolverRules(hosts)}`,
    ],
  });
  try {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      locale,
      viewport: { ...VIEWPORT },
    });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
    const page = await context.newPage();
    return { browser, context, page };
  } catch (e) {
    await browser.close().catch(() => {});
    throw e;
  }
}

/** Fails after `ms` with `message`, unless cancelled. */
function deadline(ms, message) {
  let timer;
  const promise = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** `promise`, or undefined once `ms` have passed. */
async function bounded(promise, ms) {
  const d = deadline(ms, "timed out");
  try {
    return await Promise.race([promise, d.promise]);
  } catch {
    return undefined;
  } finally {
    d.cancel();
  }
}

/** Runs axe-core on the page's current document; returns the serious and critical violations. */
async function axeViolations(page) {
  const present = await page.evaluate(() => typeof window.axe !== "undefined");
  if (!present) {
    // Evaluated through DevTools rather than as an inline <script>: the page's
    // Content-Security-Policy neither blocks it nor logs a violation for it.
    await page.evaluate(axeScript());
    if (!(await page.evaluate(() => typeof window.axe !== "undefined"))) {
      // E.g. an AMD loader on the page took axe's UMD bundle for itself.
      await page.addScriptTag({ content: axeScript() });
    }
  }
  const violations = await page.evaluate(
    async ({ tags }) => {
      const results = await window.axe.run(document, {
        runOnly: { type: "tag", values: tags },
        resultTypes: ["violations"],
      });
      return results.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, impact: n.impact })),
      }));
    },
    { tags: WCAG_TAGS },
  );
  return violations.filter((v) => FAILING_IMPACTS.includes(v.impact));
}

/** The widest elements sticking out past `width`, for a readable horizontal-scroll failure. */
async function overflowing(page, width) {
  return page.evaluate((width) => {
    const describe = (el) => {
      let s = el.tagName.toLowerCase();
      if (el.id) s += `#${el.id}`;
      for (const c of Array.from(el.classList).slice(0, 3)) s += `.${c}`;
      return s;
    };
    const out = [];
    for (const el of document.body ? document.body.querySelectorAll("*") : []) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 0.5 && r.width > 0) out.push({ el, right: r.right });
    }
    // Keep the outermost offenders: an overflowing element's children usually overflow too.
    const outer = out.filter((o) => !out.some((p) => p.el !== o.el && p.el.contains(o.el)));
    return outer.slice(0, 10).map((o) => ({
      target: [describe(o.el)],
      html: o.el.outerHTML.slice(0, 200),
      right: Math.round(o.right),
    }));
  }, width);
}

function fileLabel(label) {
  return String(label).replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "page";
}

/**
 * Creates the `check` / `checkNarrow` pair writing into `report` and `screenshotDir`.
 * `onPage(page)` learns the page last looked at, for error messages.
 */
export function checker({ report, screenshotDir, onPage = () => {} }) {
  let counter = 0;
  const shot = async (page, label) => {
    counter += 1;
    const name = `${String(counter).padStart(2, "0")}-${fileLabel(label)}.png`;
    await page.screenshot({ path: join(screenshotDir, name), fullPage: true });
    return name;
  };

  /** Runs axe-core (WCAG 2.0/2.1 A and AA) and takes a full-page screenshot. */
  async function check(page, label) {
    onPage(page);
    const violations = await axeViolations(page);
    const screenshot = await shot(page, label);
    const entry = { label, url: page.url(), viewport: page.viewportSize(), violations, screenshot };
    report.pages.push(entry);
    return entry;
  }

  /**
   * The same page on a 360×740 phone screen: no horizontal scrolling, axe-core again, and a
   * screenshot; then the previous viewport comes back.
   */
  async function checkNarrow(page, label) {
    onPage(page);
    const previous = page.viewportSize() ?? { ...VIEWPORT };
    await page.setViewportSize({ ...NARROW });
    try {
      // Let layout settle at the new width.
      await page.evaluate(
        () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
      );
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      const violations = await axeViolations(page);
      if (scrollWidth > NARROW.width) {
        violations.unshift({
          id: "horizontal-scroll",
          impact: "serious",
          help: `The page scrolls sideways on a ${NARROW.width}px-wide screen (scrollWidth ${scrollWidth}px)`,
          nodes: await overflowing(page, NARROW.width),
        });
      }
      const screenshot = await shot(page, `${label}-narrow`);
      const entry = {
        label: `${label} (${NARROW.width}px)`,
        url: page.url(),
        viewport: { ...NARROW },
        scrollWidth,
        violations,
        screenshot,
      };
      report.pages.push(entry);
      return entry;
    } finally {
      await page.setViewportSize(previous);
    }
  }

  return { check, checkNarrow };
}

function errorInfo(e) {
  if (e instanceof Error) return { message: e.message, stack: e.stack };
  return { message: String(e), stack: null };
}

/**
 * Runs one journey: reads BROWSER_CONFIG, launches Chromium, calls
 * `fn({ browser, context, page, check, checkNarrow, config, step, record })`, prints the one
 * `BROWSER_REPORT <json>` line and exits (0 when the journey finished, 1 when it threw or timed
 * out). Serious and critical axe-core violations do not make `ok` false: the report lists them
 * and the Rust side decides.
 */
export async function runJourney(fn) {
  const started = Date.now();
  let config = {};
  let configError = null;
  try {
    config = JSON.parse(process.env.BROWSER_CONFIG || "{}") ?? {};
  } catch (e) {
    configError = e;
  }
  const screenshotDir = config.screenshotDir || join(process.cwd(), "browser-screenshots");
  mkdirSync(screenshotDir, { recursive: true });
  const timeoutMs =
    Number(process.env.BROWSER_TIMEOUT_MS) || Number(config.timeoutMs) || DEFAULT_TIMEOUT_MS;

  const report = { ok: false, error: null, pages: [], screenshots: screenshotDir, console: [], data: {} };
  let currentStep = null;
  let currentPage = null;
  let browser = null;
  let finished = false;

  const step = (name) => {
    currentStep = name;
    process.stderr.write(`[journey +${((Date.now() - started) / 1000).toFixed(1)}s] ${name}\n`);
  };
  /** Hands a value back to the Rust test: `report.data[key]`. */
  const record = (key, value) => {
    report.data[key] = value;
  };
  const currentUrl = () => {
    try {
      return currentPage && !currentPage.isClosed() ? currentPage.url() : null;
    } catch {
      return null;
    }
  };
  const finish = (code) => {
    if (finished) return;
    finished = true;
    report.durationMs = Date.now() - started;
    const line = `BROWSER_REPORT ${JSON.stringify(report)}\n`;
    try {
      writeFileSync(join(screenshotDir, "report.json"), JSON.stringify(report, null, 2));
    } catch {
      // The report on stdout is the one that counts.
    }
    process.stdout.write(line, () => process.exit(code));
  };

  // The last resort: whatever hangs (even the clean-up), the process ends with a report.
  const backstop = setTimeout(() => {
    report.ok = false;
    report.error ??= {
      message: `journey did not finish within ${timeoutMs + 2 * CLEANUP_TIMEOUT_MS} ms`,
      stack: null,
      step: currentStep,
      url: currentUrl(),
    };
    finish(1);
  }, timeoutMs + 2 * CLEANUP_TIMEOUT_MS);
  backstop.unref();

  const { check, checkNarrow } = checker({
    report,
    screenshotDir,
    onPage: (page) => {
      currentPage = page;
    },
  });
  const limit = deadline(
    timeoutMs,
    `journey timed out after ${timeoutMs} ms (set timeoutMs in the config or BROWSER_TIMEOUT_MS)`,
  );
  try {
    if (configError) throw new Error(`BROWSER_CONFIG is not JSON: ${configError.message}`);
    await Promise.race([
      limit.promise,
      (async () => {
        step("launch Chromium");
        const launched = await launch({ hosts: config.hosts, locale: config.locale });
        browser = launched.browser;
        const { context, page } = launched;
        currentPage = page;
        const watch = (p) => {
          p.on("pageerror", (e) =>
            report.console.push({ type: "pageerror", text: e.message, url: p.url() }),
          );
          p.on("console", (m) => {
            if (m.type() === "error") {
              const source = m.location().url;
              report.console.push({ type: "console", text: m.text(), url: p.url(), source });
            }
          });
        };
        watch(page);
        context.on("page", (p) => {
          currentPage = p;
          watch(p);
        });
        step("journey");
        await fn({ browser, context, page, check, checkNarrow, config, step, record });
      })(),
    ]);
    report.ok = true;
  } catch (e) {
    report.ok = false;
    report.error = { ...errorInfo(e), step: currentStep, url: currentUrl() };
    if (currentPage && !currentPage.isClosed()) {
      const path = join(screenshotDir, "failure.png");
      const shot = currentPage.screenshot({ path, fullPage: true }).then(() => true);
      if (await bounded(shot, CLEANUP_TIMEOUT_MS)) {
        report.error.screenshot = "failure.png";
      }
    }
  } finally {
    limit.cancel();
    if (browser) await bounded(browser.close(), CLEANUP_TIMEOUT_MS);
  }
  finish(report.ok ? 0 : 1);
}
