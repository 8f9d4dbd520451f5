import { type Html, html } from '#shared/web/html.ts';

/**
 * Horizontal bar charts drawn here as SVG (no script): one row per bar with room for its label, so labels never
 * overlap however many bars there are. A label longer than its column is cut with an ellipsis and keeps its
 * full text as the row's `<title>` (a tooltip, and what a screen reader reads). The figures are always on the
 * page as text too (the bar's own text, and the tables beside the charts).
 */

/** One bar: its label, its length (0…max), the text after it, and whether it is good news. */
export interface Bar {
  label: string;
  value: number;
  text: string;
  tone?: 'good' | 'bad' | 'plain';
  href?: string;
}

const WIDTH = 760;
const LABEL_W = 200;
const BAR_X = LABEL_W + 10;
const BAR_W = 360;
const ROW_H = 26;
const FONT = 13;

/** The width of a text in pixels at `FONT`, near enough: CJK characters are 1em, others about 0.6em. */
function textWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u2E80-\u9FFF\uF900-\uFAFF\uFF00-\uFFEF]/.test(ch) ? FONT : FONT * 0.6;
  return w;
}

/** The text cut to `max` pixels, with an ellipsis when cut. */
export function fitLabel(text: string, max = LABEL_W - 4): string {
  if (textWidth(text) <= max) return text;
  let out = '';
  for (const ch of text) {
    if (textWidth(`${out + ch}…`) > max) break;
    out += ch;
  }
  return `${out}…`;
}

/** A chart of horizontal bars, with a caption; `max` is the value of a full bar (the largest value by default). */
export function barChart(caption: string, bars: readonly Bar[], opts: { max?: number; note?: string } = {}): Html {
  const max = opts.max ?? Math.max(1, ...bars.map((b) => b.value));
  const height = bars.length * ROW_H + 8;
  const rows = bars.map((b, i) => {
    const y = i * ROW_H + 4;
    const w = Math.max(0, Math.min(1, b.value / max)) * BAR_W;
    const label = fitLabel(b.label);
    const text = html`<text class="bar-label" x="${LABEL_W}" y="${y + 17}" text-anchor="end" font-size="${FONT}">${label}</text>`;
    return html`<g class="bar"><title>${b.label}: ${b.text}</title>${b.href ? html`<a href="${b.href}">${text}</a>` : text}
<rect x="${BAR_X}" y="${y + 5}" width="${w.toFixed(1)}" height="16" class="${b.tone ?? 'plain'}"></rect>
<text class="bar-value" x="${(BAR_X + w + 6).toFixed(1)}" y="${y + 17}" font-size="${FONT}">${b.text}</text></g>`;
  });
  return html`<figure class="card chart"><figcaption>${caption}</figcaption>${
    opts.note ? html`<p class="muted">${opts.note}</p>` : ''
  }<svg viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="${caption}">${rows}</svg></figure>`;
}

/** Styles of the charts and report pages (added to the `pages` Lambda's pages). */
export const CHART_CSS = `
.chart svg{display:block;max-width:${WIDTH}px}.chart figcaption{font-weight:600;margin-bottom:.25rem}
.chart rect.good{fill:#137333}.chart rect.bad{fill:#b3261e}.chart rect.plain{fill:#1a73e8}.chart text{fill:#1d1d1f}
.chart a text{fill:#1a4fa0;text-decoration:underline}
.filters{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:0 1rem;align-items:end}
.filters .actions{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}.filters .check label{font-weight:400}
.pager{display:flex;gap:1rem;align-items:center;margin:.5rem 0 1rem}.pager a,.pager span.off{padding:.3rem .6rem}
.pager span.off{color:#999}.downloads{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
.downloads h2{margin:0;font-size:1rem}.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr));gap:.5rem 1rem;margin:0 0 1rem}
.figures div{background:#fff;border:1px solid #ddd;border-radius:.5rem;padding:.5rem .75rem}.figures dt{font-size:.9rem;color:#555}
.figures dd{margin:0;font-size:1.25rem;font-weight:600;font-variant-numeric:tabular-nums}
th a{color:inherit}th a[aria-sort]{text-decoration:underline}td.id{font-family:ui-monospace,monospace;font-size:.8rem;overflow-wrap:anywhere;word-break:break-all}
.report-tabs{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0 0 1rem}.report-tabs a[aria-current]{font-weight:700;text-decoration:none;color:#1d1d1f}
`;
