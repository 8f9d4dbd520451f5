// The encoder and the SVG renderer of `qrcode` only: its package entry also loads the PNG renderer (pngjs) and
// the terminal renderers, which a page never uses and the public pages' bundle would carry.
import { create } from 'qrcode/lib/core/qrcode.js';
import { render } from 'qrcode/lib/renderer/svg-tag.js';

/**
 * A QR code of `text` as an inline `<svg>` element (no script, no external image, so the pages' CSP allows it),
 * with error correction level M, which survives a creased or weathered printout on a bulletin board.
 */
export function qrSvg(text: string, label: string): string {
  const svg = render(create(text, { errorCorrectionLevel: 'M' }), { margin: 2 });
  return svg.replace('<svg ', `<svg role="img" aria-label="${label.replace(/[<>&"]/g, '')}" class="qr" `);
}
