import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, html, raw } from '#shared/web/html.ts';

describe('escaping in the pages', () => {
  it('never lets an interpolated string open a tag, an attribute or an entity', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const escaped = escapeHtml(text);
        expect(escaped.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toMatch(/[&<>"']/);
        expect(html`<td title="${text}">${text}</td>`.text).toBe(`<td title="${escaped}">${escaped}</td>`);
      }),
    );
  });

  it('shows a hostile name as text', () => {
    const name = '<img src=x onerror="alert(1)">';
    expect(html`<h2>${name}</h2>`.text).toBe('<h2>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</h2>');
  });

  it('joins arrays and keeps markup the code made', () => {
    expect(html`<ul>${['<a>', raw('<li>ok</li>')]}</ul>`.text).toBe('<ul>&lt;a&gt;<li>ok</li></ul>');
  });
});
