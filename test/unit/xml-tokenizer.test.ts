import { describe, expect, it } from 'vitest';
import { decodeXml, type XmlTag, XmlTokenizer } from '#shared/imports/xml.ts';

/** The import's XLSX reader's tokenizer: the events a document gives, however it is cut into chunks. */
function events(chunks: string[]): string[] {
  const out: string[] = [];
  const x = new XmlTokenizer();
  x.on('opentag', (t: XmlTag) =>
    out.push(
      `<${t.name}${Object.entries(t.attributes)
        .map(([k, v]) => ` ${k}=${v}`)
        .join('')}>`,
    ),
  );
  x.on('text', (t) => out.push(t));
  x.on('closetag', (t: XmlTag) => out.push(`</${t.name}>`));
  for (const c of chunks) x.write(c);
  x.close();
  // Text may arrive in pieces; joined, it is the same text.
  return out.reduce<string[]>((acc, e) => {
    const last = acc.length - 1;
    if (!e.startsWith('<') && acc[last] !== undefined && !acc[last]!.startsWith('<')) acc[last] += e;
    else acc.push(e);
    return acc;
  }, []);
}

const DOC =
  '<?xml version="1.0"?><!-- a comment --><sst count="2"><si><t xml:space="preserve">张 &amp; 李 &#x4E09;&#33;</t></si><si><r><t>a&lt;b</t></r><rPh><t>x</t></rPh></si><c r="A1" t=\'s\' s="a>b"/><![CDATA[<raw>]]></sst>';
const EXPECTED = [
  '<sst count=2>',
  '<si>',
  '<t xml:space=preserve>',
  '张 & 李 三!',
  '</t>',
  '</si>',
  '<si>',
  '<r>',
  '<t>',
  'a<b',
  '</t>',
  '</r>',
  '<rPh>',
  '<t>',
  'x',
  '</t>',
  '</rPh>',
  '</si>',
  '<c r=A1 t=s s=a>b>',
  '</c>',
  '<raw>',
  '</sst>',
];

describe('the XML tokenizer', () => {
  it('gives tags, attributes and decoded text, whole or cut at every position', () => {
    expect(events([DOC])).toStrictEqual(EXPECTED);
    for (let i = 1; i < DOC.length; i++) expect(events([DOC.slice(0, i), DOC.slice(i)])).toStrictEqual(EXPECTED);
    expect(events(DOC.split(''))).toStrictEqual(EXPECTED);
  });

  it('throws on a document left open or an end tag that closes nothing', () => {
    expect(() => events(['<a><b></b>'])).toThrow();
    expect(() => events(['<a></b>'])).toThrow();
    expect(() => events(['<a><b'])).toThrow();
  });

  it('decodes the named entities and character references, and leaves unknown ones as they are', () => {
    expect(decodeXml('&quot;&apos;&gt;&#20013;&unknown;&#0;')).toBe('"\'>中&unknown;&#0;');
  });
});
