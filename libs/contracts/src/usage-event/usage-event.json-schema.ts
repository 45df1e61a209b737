import schema from '../../schema/usage-event.v1.json';

/** JSON Schema (draft 2020-12) of UsageEvent v1, for API documentation and producers in other languages. */
export const usageEventV1JsonSchema: Readonly<Record<string, unknown>> = schema;
