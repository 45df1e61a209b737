import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtEntry, startAppProcess, type AppProcess } from '@keymeter/testing';

/**
 * The README's demo command (`npm start -- --demo`, here the built entry with `--demo`) in a child
 * process: it sets everything up through the public API, drives traffic, and prints commands that a
 * newcomer copies into a shell. The test runs those printed commands and checks their answers.
 */

const DEMO_SECONDS = '4';
const CURL_AVAILABLE = spawnSync('curl', ['--version']).status === 0;

/** Runs a printed command: with curl in a shell, or (no curl here) by replaying its URL and headers with fetch. */
async function runPrinted(command: string): Promise<string> {
  if (CURL_AVAILABLE) {
    return new Promise((resolve, reject) =>
      execFile('bash', ['-c', command], { timeout: 30_000 }, (error: Error | null, stdout: string) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
  }
  const quoted = [...command.matchAll(/'([^']*)'/g)].map((m) => m[1]);
  const [url, ...headerLines] = quoted;
  const headers = Object.fromEntries(
    headerLines.map((h) => [h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 1).trim()]),
  );
  return (await fetch(url, { headers })).text();
}

function field(output: string, pattern: RegExp, what: string): string {
  const match = pattern.exec(output);
  if (!match?.[1]) throw new Error(`the demo did not print ${what}:\n${output}`);
  return match[1];
}

const number = (text: string): number => Number(text.replace(/,/g, ''));

async function waitForOutput(running: AppProcess, text: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!running.output().includes(text)) {
    if (running.child.exitCode !== null) throw new Error(`the demo exited:\n${running.output()}`);
    if (Date.now() > deadline) throw new Error(`no "${text}" after ${timeoutMs} ms:\n${running.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return running.output();
}

interface UsageAnswer {
  totals: { requests: string; credits: string; egress_bytes: string };
  series: { group: { keyId?: string } }[];
}

describe('npm start -- --demo', () => {
  let dataDir: string;
  let running: AppProcess | undefined;
  let output: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'km-demo-'));
    running = await startAppProcess(
      builtEntry('standalone'),
      { KEYMETER_DATA_DIR: dataDir, GATEWAY_PORT: '0', INGESTOR_PORT: '0', BILLING_PORT: '0' },
      ['gateway', 'ingestor', 'billing'],
      120_000,
      ['--demo', '--duration', DEMO_SECONDS],
    );
    output = await waitForOutput(running, 'The demo keeps running', 150_000);
  });

  afterAll(async () => {
    await running?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints a ready line per app, the admin token, a customer key, the dashboard and three curl commands', () => {
    expect(output).toMatch(/^ {2}gateway +http:\/\/127\.0\.0\.1:\d+ +ready/m);
    expect(output).toMatch(/^ {2}ingestor +http:\/\/127\.0\.0\.1:\d+ +ready/m);
    expect(output).toMatch(/^ {2}billing +http:\/\/127\.0\.0\.1:\d+ +ready/m);
    expect(field(output, /^ {2}admin token +(km_admin_\w+)/m, 'the admin token')).toHaveLength(48);
    expect(field(output, /^ {2}customer key +(km_live_\w+)/m, 'a customer key')).toHaveLength(47);
    expect(field(output, /^ {2}dashboard +(http\S+)/m, 'the dashboard URL')).toBe(
      `${running!.urls.billing}/dashboard`,
    );
    // The dashboard ships with the billing app: the finance view, and a portal link minted for the customer.
    expect(field(output, /^ {2}finance view +(http\S+)/m, 'the finance view URL')).toBe(
      `${running!.urls.billing}/dashboard/ops`,
    );
    expect(field(output, /^ {2}portal link +(http\S+)/m, 'a portal link')).toMatch(
      /\/dashboard\/portal#token=km_portal_\w+$/,
    );
    expect(output.match(/^ {2}curl /gm)).toHaveLength(3);
    // The progress bar of the demo traffic ran to its end (stderr; plain lines when not a terminal).
    expect(output).toMatch(/demo traffic \[#+\] 100% \d+\/\d+ calls, [\d.]+\/s, done/);
  });

  it('drove traffic with a misbehaving key: a burst refused by its rate limit, calls outside its scopes', () => {
    const traffic = field(output, /^ {2}traffic +(.*)$/m, 'the traffic line');
    expect(number(field(traffic, /([\d,]+) forwarded/, 'forwarded calls'))).toBeGreaterThan(0);
    expect(number(field(traffic, /([\d,]+) rate-limited/, 'rate-limited calls'))).toBeGreaterThan(0);
    expect(field(traffic, /([\d,]+) out of scope/, 'calls out of scope')).toBe('4');
    // Usage counted exactly what the gateway forwarded before the summary was printed.
    const forwarded = field(traffic, /([\d,]+) forwarded/, 'forwarded calls').replace(/,/g, '');
    expect(field(output, /^ {2}usage +(\d+) requests/m, 'the counted usage')).toBe(forwarded);
  });

  it('the printed commands work: a proxied call, the usage that counts it, and the invoice preview', async () => {
    const commands = output.match(/^ {2}curl .*$/gm)!.map((line) => line.trim());
    const [proxied, usage, preview] = commands as [string, string, string];
    const traffic = field(output, /^ {2}traffic +(.*)$/m, 'the traffic line');
    const forwarded = number(field(traffic, /([\d,]+) forwarded/, 'forwarded calls'));
    const credits = number(field(traffic, /\(([\d,]+) credits\)/, 'credits'));

    const quote = JSON.parse(await runPrinted(proxied)) as { data: { symbol: string; price: string }[] };
    expect(quote.data).toEqual([
      { symbol: 'AAPL', price: expect.stringMatching(/^\d+\.\d{2}$/), at: expect.any(String) },
    ]);

    // The call just made is counted too (one request, one data point): usage catches up with it.
    let answer: UsageAnswer | undefined;
    const deadline = Date.now() + 60_000;
    for (;;) {
      answer = JSON.parse(await runPrinted(usage)) as UsageAnswer;
      if (answer.totals.requests === String(forwarded + 1) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(answer.totals.requests).toBe(String(forwarded + 1));
    expect(answer.totals.credits).toBe(String(credits + 1));
    expect(Number(answer.totals.egress_bytes)).toBeGreaterThan(0);
    expect(answer.series).toHaveLength(2); // grouped by key: both demo keys made forwarded calls

    const invoice = JSON.parse(await runPrinted(preview)) as {
      currency: string;
      total: string;
      lines: { meter: string | null; amount: string }[];
    };
    expect(invoice.currency).toBe('USD');
    expect(invoice.total).toMatch(/^\d+\.\d{2}$/);
    expect(Number(invoice.total)).toBeGreaterThanOrEqual(49);
    expect(invoice.lines.map((line) => line.meter)).toEqual(expect.arrayContaining(['requests', 'credits']));
  });

  it('accepts the printed admin token on the admin API', async () => {
    const adminToken = field(output, /^ {2}admin token +(km_admin_\w+)/m, 'the admin token');
    const customerId = field(output, /^ {2}customer +.*\(([0-9a-f-]{36})\)/m, 'the customer id');
    const response = await fetch(`${running!.urls.billing}/v1/customers/${customerId}`, {
      headers: { Authorization: `Bearer ${adminToken}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ name: 'Northwind Trading', currency: 'USD' });
  });

  it('stops everything cleanly on SIGTERM', async () => {
    const code = await running!.stop('SIGTERM');
    running = undefined;
    expect(code).toBe(0);
  });
});
