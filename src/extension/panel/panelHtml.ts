/**
 * The training panel's HTML. Free of `vscode` so the CSP is unit-tested: scripts only with this
 * load's nonce, styles and fonts only from the extension's own assets, images only from the
 * webview itself (chart PNG export uses data: URLs), nothing remote and no eval.
 */

export interface PanelAssets {
  /** `webview.cspSource`. */
  cspSource: string;
  scriptUri: string;
  styleUris: string[];
  nonce: string;
}

export function contentSecurityPolicy({ cspSource, nonce }: Pick<PanelAssets, 'cspSource' | 'nonce'>): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function panelHtml(assets: PanelAssets, title: string): string {
  const styles = assets.styleUris.map((uri) => `<link rel="stylesheet" href="${escapeAttribute(uri)}" nonce="${assets.nonce}">`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeAttribute(contentSecurityPolicy(assets))}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${styles}
    <title>${escapeText(title)}</title>
  </head>
  <body>
    <main id="app" aria-live="polite"><p>Loading run…</p></main>
    <script nonce="${assets.nonce}" src="${escapeAttribute(assets.scriptUri)}"></script>
  </body>
</html>`;
}

/** 32 random bytes as base64: a fresh nonce per HTML load. */
export function createNonce(random: (bytes: number) => Uint8Array): string {
  return Buffer.from(random(32)).toString('base64');
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
