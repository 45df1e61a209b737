/**
 * Splits a SQL script into statements at `;` outside string literals, quoted identifiers, heredocs
 * (`$tag$ ... $tag$`) and comments (`-- ...`, `/* ... *\/`, nestable as in ClickHouse). Statements are
 * trimmed; ones that hold nothing but whitespace and comments are dropped. Pure.
 */
export function splitSqlStatements(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let hasCode = false;
  let i = 0;

  const finish = (end: number): void => {
    const text = script.slice(start, end).trim();
    if (hasCode && text !== '') statements.push(text);
    hasCode = false;
  };

  while (i < script.length) {
    const char = script[i];
    const next = script[i + 1];
    if (char === '-' && next === '-') {
      i = skipLineComment(script, i);
    } else if (char === '/' && next === '*') {
      i = skipBlockComment(script, i);
    } else if (char === "'" || char === '"' || char === '`') {
      i = skipQuoted(script, i, char);
      hasCode = true;
    } else if (char === '$' && heredocTag(script, i) !== null) {
      i = skipHeredoc(script, i, heredocTag(script, i) ?? '');
      hasCode = true;
    } else if (char === ';') {
      finish(i);
      i += 1;
      start = i;
    } else {
      if (!/\s/.test(char)) hasCode = true;
      i += 1;
    }
  }
  finish(script.length);
  return statements;
}

function skipLineComment(script: string, from: number): number {
  const end = script.indexOf('\n', from);
  return end === -1 ? script.length : end + 1;
}

function skipBlockComment(script: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < script.length) {
    if (script.startsWith('/*', i)) {
      depth += 1;
      i += 2;
    } else if (script.startsWith('*/', i)) {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else {
      i += 1;
    }
  }
  throw new Error(`unterminated /* comment starting at line ${lineOf(script, from)}`);
}

/** Quoted string or identifier: a backslash escapes the next character, a doubled quote is a quote. */
function skipQuoted(script: string, from: number, quote: string): number {
  let i = from + 1;
  while (i < script.length) {
    const char = script[i];
    if (char === '\\') {
      i += 2;
    } else if (char === quote) {
      if (script[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  const what = quote === "'" ? 'string literal' : `${quote}-quoted identifier`;
  throw new Error(`unterminated ${what} starting at line ${lineOf(script, from)}`);
}

/** `$$` or `$tag$` opens a heredoc string; returns the full opening delimiter or null. */
function heredocTag(script: string, from: number): string | null {
  const match = /^\$[A-Za-z0-9_]*\$/.exec(script.slice(from, from + 65));
  return match ? match[0] : null;
}

function skipHeredoc(script: string, from: number, tag: string): number {
  const end = script.indexOf(tag, from + tag.length);
  if (end === -1) throw new Error(`unterminated ${tag} heredoc starting at line ${lineOf(script, from)}`);
  return end + tag.length;
}

function lineOf(script: string, index: number): number {
  return script.slice(0, index).split('\n').length;
}
