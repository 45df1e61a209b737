// Sends CloudEvents to keymeter with the OpenMeter JS SDK, unchanged (the SDK is ESM-only, so the
// ingestion e2e test runs it here in a child process). Args: base URL, ingest token, JSON events.
// Prints the SDK's result, or the error it threw, as one JSON line.
import { OpenMeter } from '@openmeter/sdk';

const [baseUrl, apiKey, eventsJson] = process.argv.slice(2);
const client = new OpenMeter({ baseUrl, apiKey });
try {
  const result = await client.events.ingest(JSON.parse(eventsJson));
  process.stdout.write(`${JSON.stringify({ ok: true, result: result ?? null })}\n`);
} catch (error) {
  process.stdout.write(
    `${JSON.stringify({ ok: false, status: error?.status ?? null, message: String(error?.message ?? error) })}\n`,
  );
}
