import {
  insertFromFile,
  listFileBody,
  listParamsForFiles,
  MIN_LIST_FROM_FILE,
  withListFromFile,
} from '../src/chdb/bulk-data-statements';

const ids = (count: number): string[] => Array.from({ length: count }, (_, i) => `id-${i}`);

describe('chDB bulk-data statements', () => {
  it('turns the insert @clickhouse/client sends into an insert from the file, keeping table, columns and format', () => {
    const fromFile = insertFromFile('INSERT INTO usage_events_raw (event_id, format) FORMAT TabSeparated');
    expect(fromFile?.('/dev/shm/x/1.data')).toBe(
      "INSERT INTO usage_events_raw (event_id, format) FROM INFILE '/dev/shm/x/1.data' COMPRESSION 'none' FORMAT TabSeparated",
    );
    expect(insertFromFile('INSERT INTO t FORMAT JSONEachRow')?.('/p')).toBe(
      "INSERT INTO t FROM INFILE '/p' COMPRESSION 'none' FORMAT JSONEachRow",
    );
  });

  it('leaves statements that are not a plain insert with a trailing format alone', () => {
    expect(insertFromFile('INSERT INTO t SELECT * FROM s')).toBeNull();
    expect(insertFromFile('SELECT 1 FORMAT JSONEachRow')).toBeNull();
    expect(insertFromFile('INSERT INTO t VALUES (1)')).toBeNull();
  });

  it('reads a long string list used once as IN {name:Array(String)} from a file, and nothing else', () => {
    const query = `SELECT id FROM t WHERE id IN {ids:Array(String)} AND topic = {topic:String}`;
    const params = { ids: ids(MIN_LIST_FROM_FILE), topic: 'usage-events', short: ids(3) };

    expect(listParamsForFiles(query, params)).toEqual(['ids']);
    expect(withListFromFile(query, 'ids', '/dev/shm/x/2.data')).toBe(
      "SELECT id FROM t WHERE id IN (SELECT value FROM file('/dev/shm/x/2.data', 'LineAsString', 'value String')) AND topic = {topic:String}",
    );
  });

  it('keeps a list bound when it is short, used twice, used outside IN, holds line breaks or non-strings', () => {
    const long = ids(MIN_LIST_FROM_FILE);
    expect(listParamsForFiles('SELECT 1 WHERE x IN {ids:Array(String)}', { ids: ids(10) })).toEqual([]);
    expect(
      listParamsForFiles('SELECT {ids:Array(String)} WHERE x IN {ids:Array(String)}', { ids: long }),
    ).toEqual([]);
    expect(listParamsForFiles('SELECT has({ids:Array(String)}, x)', { ids: long })).toEqual([]);
    expect(listParamsForFiles('SELECT 1 WHERE x IN {ids:Array(String)}', { ids: [...long, 'a\nb'] })).toEqual(
      [],
    );
    expect(
      listParamsForFiles('SELECT 1 WHERE x IN {ids:Array(UInt64)}', { ids: long.map((_, i) => i) }),
    ).toEqual([]);
  });

  it('writes one value per line', () => {
    expect(listFileBody(['a', '', "b'c\\d\te"])).toBe("a\n\nb'c\\d\te\n");
    expect(listFileBody([])).toBe('');
  });
});
