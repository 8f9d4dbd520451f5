/**
 * A small streaming XML tokenizer for the parts of an XLSX file the import reads (the workbook, its relations,
 * the shared strings, the first sheet): start tags with their attributes, text with entities decoded, end tags.
 * It replaces a general SAX parser that was a tenth of the import's bundles (docs/PERFORMANCE.md): those files
 * are machine-written, so comments, processing instructions, a doctype and CDATA are all it must step over.
 * Malformed markup (a tag or a section left open, an end tag that closes nothing open) throws.
 */

export interface XmlTag {
  name: string;
  attributes: Record<string, string>;
}

type Events = {
  opentag: (t: XmlTag) => void;
  text: (text: string) => void;
  closetag: (t: XmlTag) => void;
};

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five named entities and numeric character references. */
export function decodeXml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, ref: string) => {
    if (ref[0] !== '#') return ENTITIES[ref] ?? whole;
    const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export class XmlTokenizer {
  private buffer = '';
  private readonly open: string[] = [];
  private readonly handlers: Partial<Events> = {};

  on<K extends keyof Events>(event: K, handler: Events[K]): void {
    this.handlers[event] = handler;
  }

  /** Feeds the next piece of the document; complete tokens are emitted, a partial one waits for the rest. */
  write(chunk: string): void {
    this.buffer += chunk;
    let at = 0;
    const b = this.buffer;
    while (at < b.length) {
      const lt = b.indexOf('<', at);
      if (lt < 0) break;
      if (lt > at) this.text(b.slice(at, lt));
      const end = this.tagEnd(b, lt);
      if (end < 0) {
        at = lt;
        this.buffer = b.slice(at);
        return;
      }
      this.tag(b.slice(lt, end + 1));
      at = end + 1;
    }
    // Text after the last tag may continue in the next chunk (an entity cut in two): keep it until a tag comes.
    this.buffer = b.slice(at);
  }

  /** Ends the document: anything left open is malformed. */
  close(): void {
    if (this.buffer.trim() || this.open.length) throw new Error('XML 不完整');
    this.buffer = '';
  }

  private text(raw: string): void {
    if (this.open.length) this.handlers.text?.(decodeXml(raw));
  }

  /** Where the markup starting at `lt` ends (its `>`), or -1 when the chunk ends first. */
  private tagEnd(b: string, lt: number): number {
    if (b.startsWith('<!--', lt)) return end(b.indexOf('-->', lt + 4), 2);
    if (b.startsWith('<![CDATA[', lt)) return end(b.indexOf(']]>', lt + 9), 2);
    if (b.startsWith('<?', lt)) return end(b.indexOf('?>', lt + 2), 1);
    let quote = '';
    for (let i = lt + 1; i < b.length; i++) {
      const ch = b[i]!;
      if (quote) {
        if (ch === quote) quote = '';
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '>') return i;
    }
    return -1;
  }

  private tag(markup: string): void {
    if (markup.startsWith('<![CDATA[')) {
      if (this.open.length) this.handlers.text?.(markup.slice(9, -3));
      return;
    }
    if (markup.startsWith('<!') || markup.startsWith('<?')) return;
    if (markup.startsWith('</')) {
      const name = markup.slice(2, -1).trim();
      if (this.open.pop() !== name) throw new Error(`XML 标签不匹配：${name}`);
      this.handlers.closetag?.({ name, attributes: {} });
      return;
    }
    const selfClosing = markup.endsWith('/>');
    const inner = markup.slice(1, selfClosing ? -2 : -1);
    const name = /^[^\s/>]+/.exec(inner)?.[0];
    if (!name) throw new Error('XML 标签无效');
    const attributes: Record<string, string> = {};
    for (const m of inner.slice(name.length).matchAll(ATTRIBUTE)) attributes[m[1]!] = decodeXml(m[2] ?? m[3] ?? '');
    const tag = { name, attributes };
    this.handlers.opentag?.(tag);
    if (selfClosing) this.handlers.closetag?.(tag);
    else this.open.push(name);
  }
}

const end = (index: number, extra: number) => (index < 0 ? -1 : index + extra);
