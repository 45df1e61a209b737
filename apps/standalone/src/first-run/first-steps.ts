/** How the admin token of this start is known. */
export type AdminTokenSource =
  | { readonly kind: 'generated'; readonly plaintext: string }
  | { readonly kind: 'configured' }
  | { readonly kind: 'earlier' };

export interface FirstStepsInput {
  readonly gatewayUrl: string;
  readonly billingUrl: string;
  readonly adminToken: AdminTokenSource;
  /** Whether GATEWAY_ROUTES_FILE names routes; without any, every proxied path answers 404. */
  readonly routesConfigured: boolean;
  /** For the example usage range (this calendar year). */
  readonly now: Date;
}

function exportLine(token: AdminTokenSource): string {
  switch (token.kind) {
    case 'generated':
      return `  export ADMIN_TOKEN=${token.plaintext}`;
    case 'configured':
      return '  # ADMIN_TOKEN is already set in this environment; use the same value';
    case 'earlier':
      return '  export ADMIN_TOKEN=km_admin_...   # the admin token printed at the first start';
  }
}

/**
 * What an empty install prints once it is ready: the admin token (when generated now) and copy-pasteable
 * commands to create the first customer and key and make a first metered call.
 */
export function renderFirstSteps(input: FirstStepsInput): string {
  const billing = input.billingUrl;
  const json = `-H 'Content-Type: application/json'`;
  const admin = `-H "Authorization: Bearer $ADMIN_TOKEN"`;
  const year = input.now.getUTCFullYear();
  const lines = [
    '',
    'First steps: this install has no customers yet.',
    ...(input.adminToken.kind === 'generated'
      ? ['  The admin token was generated now and is shown only this once; keep it somewhere safe.']
      : []),
    exportLine(input.adminToken),
    '  # 1. create a customer (note its "id")',
    `  curl -s -X POST ${billing}/v1/customers ${admin} ${json} -d '{"name":"Acme","email":"ops@acme.example","timezone":"Europe/Paris","currency":"EUR"}'`,
    '  # 2. create an API key for it (the key is shown once, in "key")',
    `  curl -s -X POST ${billing}/v1/customers/CUSTOMER_ID/keys ${admin} ${json} -d '{"name":"backend"}'`,
    '  # 3. call your API through the gateway with that key',
    `  curl -s ${input.gatewayUrl}/v1/your/path -H 'X-API-Key: KEY'`,
    ...(input.routesConfigured
      ? []
      : ['     (no routes yet: set GATEWAY_ROUTES_FILE to a routes file, see docs/gateway.md)']),
    '  # 4. the customer reads its own usage with the same key',
    `  curl -s '${billing}/v1/me/usage?from=${year}-01-01T00:00:00Z&to=${year + 1}-01-01T00:00:00Z&granularity=month' -H 'X-API-Key: KEY'`,
    `  API reference: ${billing}/docs and ${input.gatewayUrl}/docs. To see it all working first: npm run demo`,
    '',
  ];
  return lines.join('\n');
}
