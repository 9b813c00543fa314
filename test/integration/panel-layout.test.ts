/**
 * The training panel's layout, measured in the real bundle in headless Chromium (the page of
 * scripts/panelPage.ts, fed the fixture run) at the widths a panel has in practice: no two sections
 * overlap, the side column stacks under the charts when narrow and stands beside them when wide,
 * the chart grid gains columns as the panel widens, every table wider than its column scrolls in
 * its own box, and legends show values without hovering. Needs `npm run build` (as `npm test` does)
 * and Debian's Chromium.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { exportPng, launchChromium, openPanel, showView, THEME_NAMES, type Theme } from '../../scripts/panelPage';

const WIDTHS = [600, 1000, 1400, 2000];

interface Box {
  name: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

interface TableFit {
  caption: string;
  inScrollBox: boolean;
  overflowX: string;
  tableWidth: number;
  boxWidth: number;
  boxScrollWidth: number;
  /** The width of the element that holds the scroll box. */
  holderWidth: number;
}

interface Layout {
  pageWidth: number;
  viewportWidth: number;
  page: Box[];
  sideSections: Box[];
  charts: Box[];
  body: Box;
  aside: Box;
  /** 0 in the table view, where the charts are not in the page. */
  gridColumns: number;
  tables: TableFit[];
  legendValues: string[];
}

/**
 * Measured in the page. A string, not a function: the test runner's TypeScript helpers would not
 * exist there.
 */
const MEASURE = `(() => {
  const box = (element, name) => { const r = element.getBoundingClientRect(); return { name, left: r.left, top: r.top, right: r.right, bottom: r.bottom }; };
  const shown = (element) => { const r = element.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const panel = document.querySelector('.layout').parentElement;
  const body = document.querySelector('.layout > .body');
  const aside = document.querySelector('.layout > aside');
  const describe = (e) => e.className ? e.tagName.toLowerCase() + '.' + e.className.split(' ')[0] : e.tagName.toLowerCase();
  return {
    pageWidth: document.documentElement.scrollWidth,
    viewportWidth: window.innerWidth,
    page: [...panel.children].filter(shown).map((e) => box(e, describe(e))),
    sideSections: [...aside.children].filter(shown).map((e) => box(e, e.getAttribute('aria-label') || describe(e))),
    charts: [...document.querySelectorAll('.chart-grid > figure')].map((e) => box(e, e.querySelector('figcaption').textContent)),
    body: box(body, 'body'),
    aside: box(aside, 'aside'),
    gridColumns: document.querySelector('.chart-grid') ? getComputedStyle(document.querySelector('.chart-grid')).gridTemplateColumns.split(' ').filter(Boolean).length : 0,
    tables: [...document.querySelectorAll('table:not(.u-legend)')].filter(shown).map((table) => {
      const scroll = table.parentElement;
      return {
        caption: table.caption ? table.caption.textContent : '?',
        inScrollBox: scroll.classList.contains('table-scroll'),
        overflowX: getComputedStyle(scroll).overflowX,
        tableWidth: table.getBoundingClientRect().width,
        boxWidth: scroll.clientWidth,
        boxScrollWidth: scroll.scrollWidth,
        holderWidth: scroll.parentElement.clientWidth,
      };
    }),
    legendValues: [...document.querySelectorAll('.chart .u-legend .u-value')].map((e) => e.textContent),
  };
})()`;

const measure = async (page: Page): Promise<Layout> => (await page.evaluate(MEASURE)) as Layout;

const intersects = (a: Box, b: Box): boolean => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;

function assertApart(boxes: readonly Box[], where: string): void {
  boxes.forEach((a, i) =>
    boxes.slice(i + 1).forEach((b) => assert.ok(!intersects(a, b), `${where}: ${a.name} overlaps ${b.name} (${JSON.stringify(a)} × ${JSON.stringify(b)})`)),
  );
}

function assertTablesScrollInTheirOwnBox(layout: Layout, where: string): void {
  assert.ok(layout.tables.length > 0, `${where}: no table shown`);
  for (const t of layout.tables) {
    assert.ok(t.inScrollBox, `${where}: table "${t.caption}" is not in a scroll box`);
    assert.equal(t.overflowX, 'auto', `${where}: the box of "${t.caption}" does not scroll sideways`);
    assert.ok(t.boxWidth <= t.holderWidth + 0.5, `${where}: the box of "${t.caption}" (${t.boxWidth} px) is wider than its column (${t.holderWidth} px)`);
    if (t.tableWidth > t.boxWidth + 0.5) assert.ok(t.boxScrollWidth > t.boxWidth, `${where}: "${t.caption}" is wider than its box and does not scroll`);
  }
}

function assertNothingOverlaps(layout: Layout, where: string): void {
  assert.ok(layout.pageWidth <= layout.viewportWidth, `${where}: the page is ${layout.pageWidth} px wide in a ${layout.viewportWidth} px panel`);
  assertApart(layout.page, `${where}, the page`);
  assertApart([layout.body, layout.aside], `${where}, the columns`);
  assertApart(layout.sideSections, `${where}, the side column`);
  assertApart(layout.charts, `${where}, the charts`);
  for (const chart of layout.charts)
    assert.ok(chart.right <= layout.body.right + 0.5 && chart.left >= layout.body.left - 0.5, `${where}: chart ${chart.name} leaves its column`);
}

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser.close();
});

for (const width of WIDTHS) {
  test(`at ${width} px, in the light, dark and high-contrast themes, no section overlaps another and every table scrolls in its own box, charts and table view`, async () => {
    for (const theme of THEME_NAMES) await checkLayout(width, theme);
  });
}

async function checkLayout(width: number, theme: Theme): Promise<void> {
  const panel = await openPanel(browser, width, theme);
  try {
    const charts = await measure(panel.page);
    assertNothingOverlaps(charts, `${width} px ${theme}, charts`);
    assertTablesScrollInTheirOwnBox(charts, `${width} px ${theme}, charts`);
    await showView(panel.page, 'table');
    const table = await measure(panel.page);
    assertNothingOverlaps(table, `${width} px ${theme}, table`);
    assertTablesScrollInTheirOwnBox(table, `${width} px ${theme}, table`);
    assert.deepEqual(panel.errors, []);
  } finally {
    await panel.close();
  }
}

test('the side column stacks under the charts when narrow and stands beside them when wide; the chart grid widens in pairs', async () => {
  const columns: number[] = [];
  for (const width of WIDTHS) {
    const panel = await openPanel(browser, width, 'light');
    try {
      const layout = await measure(panel.page);
      if (width < 1000) assert.ok(layout.aside.top >= layout.body.bottom, `${width} px: the side column is not below the charts`);
      else assert.ok(layout.aside.left >= layout.body.right, `${width} px: the side column is not beside the charts`);
      assert.ok(layout.gridColumns % 2 === 0, `${width} px: ${layout.gridColumns} chart columns split a dataset's pair`);
      columns.push(layout.gridColumns);
    } finally {
      await panel.close();
    }
  }
  assert.ok(
    columns.every((n, i) => i === 0 || n >= (columns[i - 1] ?? 0)),
    `chart columns by width: ${columns.join(', ')}`,
  );
  assert.ok((columns[columns.length - 1] ?? 0) > (columns[0] ?? 0), `the grid never reflowed: ${columns.join(', ')}`);
});

test('legends show each series’ latest value without hovering', async () => {
  const panel = await openPanel(browser, 1400, 'light');
  try {
    const { legendValues } = await measure(panel.page);
    assert.ok(legendValues.length > 0);
    assert.deepEqual(
      legendValues.filter((text) => text === '--' || text === ''),
      [],
    );
  } finally {
    await panel.close();
  }
});

test('the exported PNG reads on its own: a title with the experiment, run and epoch, every chart’s caption, and a legend line per series with its value', async () => {
  const panel = await openPanel(browser, 1400, 'light');
  try {
    // Every text the export draws, recorded as it is drawn onto the canvas that becomes the PNG.
    await panel.page.evaluate(`(() => {
      window.drawnTexts = [];
      const fillText = CanvasRenderingContext2D.prototype.fillText;
      CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) { window.drawnTexts.push(String(text)); return fillText.call(this, text, ...rest); };
    })()`);
    const png = await exportPng(panel.page);
    const drawn = (await panel.page.evaluate('window.drawnTexts')) as string[];
    const image = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    assert.equal(image.info.format, 'raw');
    assert.ok(image.info.width >= 600 && image.info.height >= 1000, `${image.info.width}×${image.info.height}`);

    assert.equal(drawn[0], 'mnist-joint — 20261205-141502-mnist-joint-a1b2', 'the title names the experiment and the run');
    assert.match(drawn[1] ?? '', /^epoch 13 of 20 \(running\) · dotted: run 20261205-093011-mnist-joint-6c54 · vertical dotted lines: weight changes$/);
    for (const caption of ['All datasets — train loss', 'All datasets — validation loss', 'mnist — loss', 'small — accuracy'])
      assert.ok(drawn.includes(caption), caption);
    const legend = drawn.filter((text) => /^[\w-]+( · [\w ]+)?: (-?\d|–)/.test(text));
    for (const name of ['mnist', 'mnist-rot', 'small'])
      assert.ok(
        legend.some((line) => line.startsWith(`${name}: `)),
        `a legend line for ${name}`,
      );
    assert.ok(
      legend.every((line) => !line.endsWith(': –')),
      `every legend line has a value: ${legend.filter((line) => line.endsWith('–')).join('; ')}`,
    );

    // The title is on the image: its strip is not all background.
    const { data, info } = image;
    const background = [data[0], data[1], data[2]];
    let inked = 0;
    for (let y = 8; y < 28; y++)
      for (let x = 10; x < 400; x++) {
        const at = (y * info.width + x) * info.channels;
        if (Math.abs((data[at] as number) - (background[0] as number)) > 64) inked++;
      }
    assert.ok(inked > 200, `the title strip has ${inked} inked pixels`);
  } finally {
    await panel.close();
  }
});

test('one cursor across the charts: hovering a step on one chart shows the same step, to its nearest point, in every chart’s legend', async () => {
  const panel = await openPanel(browser, 1400, 'light');
  try {
    const steps = () =>
      panel.page.evaluate(
        `[...document.querySelectorAll('.chart-grid > figure')].map((f) => f.querySelector('.u-legend .u-series:first-child .u-value')?.textContent ?? '')`,
      ) as Promise<string[]>;
    const before = await steps();
    const over = panel.page.locator('.chart-grid > figure .u-over').first();
    const box = await over.boundingBox();
    assert.ok(box);
    await panel.page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    const hovered = await steps();
    assert.ok(hovered.length >= 4, `${hovered.length} charts`);
    // Each chart snaps to its own nearest point (validation every 100 steps, training decimated to
    // the chart's width), so the steps agree to within a validation interval, far from the last one.
    const at = Number(hovered[0]);
    hovered.forEach((step, i) => {
      assert.notEqual(step, before[i], `chart ${i} follows the cursor of chart 0`);
      assert.ok(Math.abs(Number(step) - at) <= 50, `chart ${i} shows step ${step}, the hovered one ${at}`);
    });
  } finally {
    await panel.close();
  }
});

test('dragging across one chart zooms every chart to that range of steps; a double click shows the whole run again', async () => {
  const panel = await openPanel(browser, 1400, 'light');
  try {
    const steps = async () =>
      (
        (await panel.page.evaluate(
          `[...document.querySelectorAll('.chart-grid > figure')].map((f) => f.querySelector('.u-legend .u-series:first-child .u-value')?.textContent ?? '')`,
        )) as string[]
      ).map(Number);
    const over = panel.page.locator('.chart-grid > figure .u-over').first();
    const box = await over.boundingBox();
    assert.ok(box);
    const atLeftEdge = async () => {
      await panel.page.mouse.move(box.x + 2, box.y + box.height / 2);
      return steps();
    };
    const whole = await atLeftEdge();
    assert.ok((whole[0] ?? Infinity) < 50, `the left edge is near the first step: ${whole.join(', ')}`);

    // Drag from 40% to 70% of the chart's width.
    await panel.page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await panel.page.mouse.down();
    await panel.page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 5 });
    await panel.page.mouse.up();
    const zoomed = await atLeftEdge();
    const from = zoomed[0] ?? 0;
    assert.ok(from > 300, `after the zoom the left edge is well into the run: ${zoomed.join(', ')}`);
    zoomed.forEach((step, i) => assert.ok(Math.abs(step - from) <= 50, `chart ${i} zoomed too: its left edge shows step ${step}, chart 0 ${from}`));

    await over.dblclick({ position: { x: box.width / 2, y: box.height / 2 } });
    const again = await atLeftEdge();
    assert.ok((again[0] ?? Infinity) < 50, `a double click shows the whole run again: ${again.join(', ')}`);
  } finally {
    await panel.close();
  }
});
