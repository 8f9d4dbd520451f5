import { describe, expect, it } from 'vitest';
import { callerFromClaims } from '#shared/caller.ts';
import { csvCell, toCsv } from '#shared/csv.ts';

describe('callers from JWT claims', () => {
  it.each([
    ['an array (locally verified token)', ['admin', 'auditor']],
    ['API Gateway’s flattened form', '[admin auditor]'],
    ['a JSON array string', '["admin","auditor"]'],
    ['a comma-separated list', 'admin,auditor'],
  ])('reads groups given as %s', (_label, groups) => {
    const caller = callerFromClaims({ sub: 'u1', 'cognito:groups': groups });
    expect([...caller.roles].sort()).toStrictEqual(['admin', 'auditor']);
  });

  it('ignores groups that are not roles of the campaign', () => {
    expect([...callerFromClaims({ sub: 'u1', 'cognito:groups': '[superuser cadre]' }).roles]).toStrictEqual(['cadre']);
  });

  it('reads the scope claims', () => {
    const c = callerFromClaims({ sub: 'u', 'custom:cadreId': 'c1', 'custom:communityId': 'm1', 'custom:unitId': 'u1' });
    expect([c.cadreId, c.communityId, c.unitId]).toStrictEqual(['c1', 'm1', 'u1']);
  });

  it('refuses claims without a subject as unauthenticated', () => {
    expect(() => callerFromClaims({})).toThrow(expect.objectContaining({ kind: 'unauthenticated' }));
  });
});

describe('CSV for Excel', () => {
  it('starts with a byte-order mark and ends lines with CRLF', () => {
    expect(toCsv(['a', 'b'], [{ a: 1, b: '张三' }])).toBe('\uFEFFa,b\r\n1,张三\r\n');
  });

  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
  });

  it('keeps a cell that looks like a formula as text', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell(-5)).toBe('-5');
  });
});
