import { renderFirstSteps } from './first-steps';

const base = {
  gatewayUrl: 'http://127.0.0.1:8080',
  billingUrl: 'http://127.0.0.1:8082',
  routesConfigured: true,
  now: new Date('2026-11-29T12:00:00Z'),
};

describe('renderFirstSteps', () => {
  it('shows a generated admin token and commands with the real ports', () => {
    const text = renderFirstSteps({ ...base, adminToken: { kind: 'generated', plaintext: 'km_admin_abc' } });
    expect(text).toContain('export ADMIN_TOKEN=km_admin_abc');
    expect(text).toContain('shown only this once');
    expect(text).toContain(
      `curl -s -X POST http://127.0.0.1:8082/v1/customers -H "Authorization: Bearer $ADMIN_TOKEN"`,
    );
    expect(text).toContain('http://127.0.0.1:8082/v1/customers/CUSTOMER_ID/keys');
    expect(text).toContain(`curl -s http://127.0.0.1:8080/v1/your/path -H 'X-API-Key: KEY'`);
    expect(text).toContain('from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z');
    expect(text).not.toContain('GATEWAY_ROUTES_FILE');
  });

  it('never repeats a token it did not generate now', () => {
    const earlier = renderFirstSteps({ ...base, adminToken: { kind: 'earlier' } });
    expect(earlier).toContain('the admin token printed at the first start');
    expect(earlier).not.toContain('shown only this once');
    const configured = renderFirstSteps({ ...base, adminToken: { kind: 'configured' } });
    expect(configured).toContain('ADMIN_TOKEN is already set');
    expect(configured).not.toMatch(/km_admin_\w/);
  });

  it('says how to add routes when there are none', () => {
    const text = renderFirstSteps({ ...base, routesConfigured: false, adminToken: { kind: 'earlier' } });
    expect(text).toContain('set GATEWAY_ROUTES_FILE');
  });

  it('keeps each command copy-pasteable: JSON bodies in single quotes, valid JSON', () => {
    const text = renderFirstSteps({ ...base, adminToken: { kind: 'earlier' } });
    const parse = (json: string): unknown => JSON.parse(json);
    const bodies = [...text.matchAll(/-d '([^']*)'/g)].map((match) => match[1] ?? '');
    expect(bodies).toHaveLength(2);
    for (const body of bodies) expect(() => parse(body)).not.toThrow();
  });
});
