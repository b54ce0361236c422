/**
 * The few server-rendered pages of the sign-in flow (outcomes of `/auth/callback`). Every value
 * is escaped; the pages carry no script, so the console's CSP applies unchanged.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export interface PageLink {
  href: string;
  label: string;
}

export function authPage(title: string, paragraphs: string[], links: PageLink[]): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Review console</title>
<link rel="icon" href="data:,">
<style>
  :root { color-scheme: light dark; font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f6f7f9; color: #14181f; }
  main { max-width: 28rem; padding: 24px; background: #fff; border: 1px solid #d9dee5; border-radius: 8px; }
  h1 { font-size: 1.25rem; margin: 0 0 12px; }
  p { line-height: 1.5; margin: 0 0 12px; }
  a { color: #0b57d0; margin-right: 16px; }
  @media (prefers-color-scheme: dark) {
    body { background: #0f1319; color: #e8ebf0; } main { background: #161b22; border-color: #2d3540; } a { color: #7cacf8; }
  }
</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
<p>${links.map((link) => `<a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a>`).join('')}</p>
</main>
</body>
</html>`;
}
