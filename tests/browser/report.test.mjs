// The HTML report as leadership sees it: opened in the system Chromium (no downloaded
// browser), checked by axe-core, and photographed at desktop and print widths.
//
//   cd tests/browser && npm ci && npm test
//
// The report is rendered by the real `charter` binary: `$CHARTER`, else the debug build in
// `$CARGO_TARGET_DIR` (default `target/`). The browser is `$CHROMIUM`, else `chromium` or
// `chromium-browser` on PATH; without one the tests are skipped with a note. Screenshots go
// to `$CHARTER_SCREENSHOTS` (default `tests/browser/screenshots/`, ignored by git), so a
// reviewer can look at them.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const require = createRequire(import.meta.url);

/** The first executable named `names` on PATH, or undefined. */
function onPath(...names) {
  for (const directory of (process.env.PATH ?? "").split(delimiter)) {
    for (const name of names) {
      const candidate = join(directory, name);
      if (directory && existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

const browserPath = process.env.CHROMIUM ?? onPath("chromium", "chromium-browser");
const charterPath =
  process.env.CHARTER ?? join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "debug", "charter");
const screenshots = process.env.CHARTER_SCREENSHOTS ?? join(here, "screenshots");

/** The report of `workspace` in `format`, from the real binary. */
function report(workspace, format) {
  return execFileSync(charterPath, ["report", workspace, "--format", format], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Axe's rule ids of the violations at `impacts`, with the nodes they were found on. */
function describe(violations) {
  return violations
    .map((violation) => {
      const targets = violation.nodes.map((node) => node.target.join(" ")).slice(0, 5);
      return `${violation.impact} ${violation.id}: ${violation.help}\n    ${targets.join("\n    ")}`;
    })
    .join("\n");
}

const skip = !browserPath
  ? "no Chromium on PATH (Debian: `apt-get install chromium`; `.ci/run` installs it)"
  : !existsSync(charterPath)
    ? `no charter binary at ${charterPath} (run \`cargo build\` first, or set CHARTER)`
    : false;

test("the acme report has no console error, no serious accessibility violation, and photographs", { skip }, async () => {
  const { chromium } = await import("playwright-core");
  const scratch = mkdtempSync(join(tmpdir(), "charter-report-"));
  const page = join(scratch, "acme.html");
  writeFileSync(page, report("examples/acme", "html"));
  mkdirSync(screenshots, { recursive: true });

  const browser = await chromium.launch({
    executablePath: browserPath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
  try {
    for (const scheme of ["light", "dark"]) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: scheme });
      const tab = await context.newPage();
      const problems = [];
      tab.on("console", (message) => problems.push(`console ${message.type()}: ${message.text()}`));
      tab.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      // The report is self-contained: any request beyond the file itself is a defect.
      tab.on("request", (request) => {
        if (!request.url().startsWith("file://")) problems.push(`external request: ${request.url()}`);
      });
      await tab.goto(`file://${page}`, { waitUntil: "load" });
      await tab.screenshot({ path: join(screenshots, `acme-desktop-${scheme}.png`), fullPage: true });

      // Axe runs as a script the test adds; the report itself has none.
      await tab.addScriptTag({ content: readFileSync(require.resolve("axe-core/axe.min.js"), "utf8") });
      const results = await tab.evaluate(async () =>
        // eslint-disable-next-line no-undef
        axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } }),
      );
      const serious = results.violations.filter((violation) => ["serious", "critical"].includes(violation.impact));
      writeFileSync(join(screenshots, `acme-axe-${scheme}.json`), JSON.stringify(results.violations, null, 2));
      assert.deepEqual(problems, [], `the ${scheme} page logged problems`);
      assert.equal(serious.length, 0, `axe found serious or critical violations (${scheme}):\n${describe(serious)}`);
      await context.close();
    }

    // Print: A4 landscape is 297 mm wide, 1123 CSS pixels at 96 dpi.
    const context = await browser.newContext({ viewport: { width: 1123, height: 794 } });
    const tab = await context.newPage();
    await tab.goto(`file://${page}`, { waitUntil: "load" });
    await tab.emulateMedia({ media: "print" });
    await tab.screenshot({ path: join(screenshots, "acme-print.png"), fullPage: true });
    const pdf = await tab.pdf({ landscape: true, format: "A4", printBackground: true });
    writeFileSync(join(screenshots, "acme-print.pdf"), pdf);
    assert.ok(pdf.length > 10_000, "the print version has content");
    await context.close();
  } finally {
    await browser.close();
    rmSync(scratch, { recursive: true, force: true });
  }
});
