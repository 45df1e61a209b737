import { splitSqlStatements } from '../src/migrations/split-sql-statements';

describe('splitSqlStatements', () => {
  it('splits at semicolons and trims each statement', () => {
    expect(splitSqlStatements('CREATE TABLE a (x UInt8) ENGINE = Memory;\n\nSELECT 1;\n')).toEqual([
      'CREATE TABLE a (x UInt8) ENGINE = Memory',
      'SELECT 1',
    ]);
  });

  it('keeps a last statement that has no semicolon', () => {
    expect(splitSqlStatements('SELECT 1;\nSELECT 2')).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it('ignores semicolons inside string literals, including escaped and doubled quotes', () => {
    const script = "SELECT 'a;b', 'it''s; fine', 'back\\'slash;';\nSELECT 2;";
    expect(splitSqlStatements(script)).toEqual(["SELECT 'a;b', 'it''s; fine', 'back\\'slash;'", 'SELECT 2']);
  });

  it('ignores semicolons inside quoted identifiers and heredocs', () => {
    const script = 'SELECT 1 AS "a;b", 2 AS `c;d`;\nSELECT $$x;y$$, $tag$ $$; $tag$;';
    expect(splitSqlStatements(script)).toEqual([
      'SELECT 1 AS "a;b", 2 AS `c;d`',
      'SELECT $$x;y$$, $tag$ $$; $tag$',
    ]);
  });

  it('ignores semicolons inside line and (nested) block comments', () => {
    const script = [
      '-- header; not a statement',
      'SELECT 1 -- trailing; comment',
      ';',
      '/* block; /* nested; */ still comment; */',
      'SELECT 2;',
    ].join('\n');
    expect(splitSqlStatements(script)).toEqual([
      '-- header; not a statement\nSELECT 1 -- trailing; comment',
      '/* block; /* nested; */ still comment; */\nSELECT 2',
    ]);
  });

  it('drops statements made only of whitespace and comments', () => {
    expect(splitSqlStatements('-- only a comment;\n;;\n/* and; this */;\n  \n')).toEqual([]);
  });

  it('names the line of an unterminated string or comment', () => {
    expect(() => splitSqlStatements("SELECT 1;\nSELECT 'open;")).toThrow(
      'unterminated string literal starting at line 2',
    );
    expect(() => splitSqlStatements('SELECT 1;\n\n/* open')).toThrow(
      'unterminated /* comment starting at line 3',
    );
    expect(() => splitSqlStatements('SELECT `x')).toThrow(
      'unterminated `-quoted identifier starting at line 1',
    );
  });
});
