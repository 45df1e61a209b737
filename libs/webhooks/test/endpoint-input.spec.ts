import { ApiError } from '@keymeter/platform';
import { matchesEventTypes, parseEndpointChanges, parseNewEndpoint, parseSecretRotation } from '../src';

function issuesOf(parse: () => unknown): string[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof ApiError) return (error.details as Array<{ field: string }>).map((i) => i.field);
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('event-type filters', () => {
  it.each([
    [[], 'alert.opened', true],
    [['*'], 'key.action_applied', true],
    [['alert.*'], 'alert.opened', true],
    [['alert.*'], 'alerts.opened', false],
    [['alert.*'], 'alert', false],
    [['alert.opened'], 'alert.opened', true],
    [['alert.opened'], 'alert.opened_again', false],
    [['key.*', 'alert.resolved'], 'alert.resolved', true],
  ])('%j matches %s: %s', (filters, type, expected) => {
    expect(matchesEventTypes(filters, type)).toBe(expected);
  });
});

describe('endpoint input', () => {
  it('accepts a minimal endpoint with defaults: global, every type, enabled', () => {
    expect(parseNewEndpoint({ url: ' https://hooks.example.com/k ' })).toEqual({
      url: 'https://hooks.example.com/k',
      customerId: null,
      eventTypes: [],
      description: '',
      enabled: true,
    });
  });

  it('deduplicates event types', () => {
    expect(parseNewEndpoint({ url: 'http://a.test', eventTypes: ['alert.*', 'alert.*'] }).eventTypes).toEqual(
      ['alert.*'],
    );
  });

  it('names every bad field at once', () => {
    expect(
      issuesOf(() =>
        parseNewEndpoint({
          url: 'file:///etc/passwd',
          customerId: 42,
          eventTypes: ['ok.type', 'Bad Type', 'alert.*.x'],
          description: 7,
          enabled: 'yes',
          colour: 'red',
        }),
      ),
    ).toEqual(['colour', 'url', 'customerId', 'eventTypes[1]', 'eventTypes[2]', 'description', 'enabled']);
  });

  it('refuses credentials in the URL, over-long URLs and non-object bodies', () => {
    expect(issuesOf(() => parseNewEndpoint({ url: 'https://user:pw@hooks.example.com' }))).toEqual(['url']);
    expect(issuesOf(() => parseNewEndpoint({ url: `https://a.test/${'x'.repeat(2048)}` }))).toEqual(['url']);
    expect(issuesOf(() => parseNewEndpoint([]))).toEqual(['body']);
  });

  it('patches only what is present and never the owner', () => {
    expect(parseEndpointChanges({ enabled: false })).toEqual({ enabled: false });
    expect(issuesOf(() => parseEndpointChanges({ customerId: null }))).toEqual(['customerId']);
  });

  it('reads the rotation grace: default 24 h, 0 to 7 days', () => {
    expect(parseSecretRotation(undefined)).toBe(86_400);
    expect(parseSecretRotation({})).toBe(86_400);
    expect(parseSecretRotation({ graceSeconds: 0 })).toBe(0);
    expect(issuesOf(() => parseSecretRotation({ graceSeconds: 604_801 }))).toEqual(['graceSeconds']);
    expect(issuesOf(() => parseSecretRotation({ graceSeconds: '60' }))).toEqual(['graceSeconds']);
  });
});
