/**
 * Screenshots of the training panel as a user sees it: the real bundle with the fixture run, at
 * 600, 1,000, 1,400 and 2,000 px wide, light, dark and high contrast, charts and table view, written to
 * `out/panel-screenshots/` (ignored by git; or the folder given), with what Export PNG makes of the 1,400 px panel. Run after `npm run build`:
 * `npx tsx scripts/panel-screenshots.ts [folder]`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { exportPng, launchChromium, openPanel, showView, THEME_NAMES } from './panelPage';

export const WIDTHS = [600, 1000, 1400, 2000];

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? 'out/panel-screenshots');
  fs.mkdirSync(out, { recursive: true });
  const browser = await launchChromium();
  try {
    for (const theme of THEME_NAMES) {
      for (const width of WIDTHS) {
        const panel = await openPanel(browser, width, theme);
        try {
          await panel.page.screenshot({ path: path.join(out, `panel-${width}-${theme}.png`), fullPage: true });
          if (width === 1400) fs.writeFileSync(path.join(out, `export-${theme}.png`), await exportPng(panel.page));
          // The per-class report of the smallest dataset, opened as a user checks which classes fail.
          await panel.page.locator('section.diagnostics details summary', { hasText: /^small:/ }).click();
          await panel.page.locator('section.diagnostics details[open] table.confusion').waitFor();
          await panel.page
            .locator('section.diagnostics details[open]')
            .first()
            .screenshot({ path: path.join(out, `classes-${width}-${theme}.png`) });
          await showView(panel.page, 'table');
          await panel.page.screenshot({ path: path.join(out, `panel-${width}-${theme}-table.png`), fullPage: true });
          if (panel.errors.length > 0) console.error(`${width} px ${theme}: the page reported ${panel.errors.join('; ')}`);
        } finally {
          await panel.close();
        }
        // The finished run: the lines under the title (model/ and the test results) and the small dataset's test report.
        const done = await openPanel(browser, width, theme, 900, true);
        try {
          await done.page.screenshot({ path: path.join(out, `finished-top-${width}-${theme}.png`) });
          await done.page.locator('section.diagnostics details summary', { hasText: /^small:/ }).click();
          await done.page.locator('section.diagnostics details[open] p.test-heading').waitFor();
          await done.page
            .locator('section.diagnostics details[open]')
            .first()
            .screenshot({ path: path.join(out, `finished-classes-${width}-${theme}.png`) });
          if (done.errors.length > 0) console.error(`finished, ${width} px ${theme}: the page reported ${done.errors.join('; ')}`);
        } finally {
          await done.close();
        }
      }
    }
  } finally {
    await browser.close();
  }
  console.log(`screenshots in ${out}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
