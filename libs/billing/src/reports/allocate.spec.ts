import { allocateProRata } from './allocate';
import { csvField, csvRow, csvText } from './csv';

describe('allocateProRata', () => {
  it('splits in proportion to quantity and always adds up to the amount', () => {
    // 1.00 over 1:1:1 → 0.34, 0.33, 0.33 (the first of equal remainders gets the extra cent)
    const parts = allocateProRata('1.00', 'USD', [
      { id: 'a', quantity: '1' },
      { id: 'b', quantity: '1' },
      { id: 'c', quantity: '1' },
    ]);
    expect(Object.fromEntries(parts!)).toEqual({ a: '0.34', b: '0.33', c: '0.33' });
  });

  it('gives left-over minor units to the largest remainders', () => {
    // 10.00 over 2:1 → 6.666… and 3.333… → 6.67 and 3.33
    const parts = allocateProRata('10.00', 'USD', [
      { id: 'small', quantity: '1' },
      { id: 'big', quantity: '2' },
    ]);
    expect(Object.fromEntries(parts!)).toEqual({ small: '3.33', big: '6.67' });
  });

  it('keeps whole yen and negative amounts', () => {
    expect(
      Object.fromEntries(
        allocateProRata('-101', 'JPY', [
          { id: 'a', quantity: '1' },
          { id: 'b', quantity: '1' },
        ])!,
      ),
    ).toEqual({
      a: '-51',
      b: '-50',
    });
  });

  it('has nothing to split by when every quantity is zero', () => {
    expect(allocateProRata('1.00', 'USD', [{ id: 'a', quantity: '0' }])).toBeNull();
  });
});

describe('csv', () => {
  it('quotes per RFC 4180 and ends rows with CRLF', () => {
    expect(csvRow(['a', 'b,c', 'say "hi"', 'two\nlines', ' padded', null])).toBe(
      'a,"b,c","say ""hi""","two\nlines"," padded",\r\n',
    );
    expect(csvField('Zürich GmbH')).toBe('Zürich GmbH');
  });

  it('neutralises text a spreadsheet would run as a formula', () => {
    expect(csvText('=HYPERLINK("x")')).toBe(`'=HYPERLINK("x")`);
    expect(csvText('Acme')).toBe('Acme');
  });
});
