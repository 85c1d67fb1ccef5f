// Drives headless Chromium with playwright-core, under Node (playwright is Node software):
//   node browser.mjs PLAYWRIGHT_DIR BASE_URL < steps.json > results.json
// Steps are {"goto": "#/hash"}, {"click": "selector"}, {"fill": "selector", "value": "text"},
// {"select": "selector", "value": "option"}, {"read": "selector"}, {"text": "selector"} or
// {"screenshot": "file.png"}; after a goto, click, fill or select it waits until the page says
// it has rendered (body[data-ready] equals the hash; the page clears it while it loads). Each
// read adds the innerText of every match to the results, each text their textContent (SVG
// elements have no innerText); a screenshot saves the whole page.
import { createRequire } from "node:module";

const [playwrightDir, baseUrl] = process.argv.slice(2);
const { chromium } = createRequire(import.meta.url)(playwrightDir);
const steps = JSON.parse(
  await new Promise((resolve) => {
    let text = "";
    process.stdin.on("data", (chunk) => (text += chunk)).on("end", () => resolve(text));
  }),
);

// Without the background-networking flags Chromium keeps dialling Google's hosts, which this
// network refuses; --no-sandbox because tests may run as root. Playwright gives each launch a
// new, empty profile of its own.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const results = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const rendered = () =>
    page.waitForFunction(() => document.body.dataset.ready === location.hash, null, {
      timeout: 30000,
    });
  for (const step of steps) {
    if (step.goto !== undefined) {
      await page.goto(baseUrl + step.goto);
      await rendered();
    } else if (step.click !== undefined) {
      await page.click(step.click);
      await rendered();
    } else if (step.fill !== undefined) {
      await page.fill(step.fill, step.value);
      await rendered();
    } else if (step.select !== undefined) {
      await page.selectOption(step.select, step.value);
      await rendered();
    } else if (step.screenshot !== undefined) {
      await page.screenshot({ path: step.screenshot, fullPage: true });
    } else if (step.text !== undefined) {
      results.push(await page.locator(step.text).allTextContents());
    } else {
      results.push(await page.locator(step.read).allInnerTexts());
    }
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(results));
