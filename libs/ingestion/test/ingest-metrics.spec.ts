import { IngestMetrics } from '../src';

describe('IngestMetrics', () => {
  it('exports the embedded engine use as read at each scrape', async () => {
    const metrics = new IngestMetrics();
    let use = { statements: 3, busyMs: 1500 };
    metrics.watchEngine(() => use);

    expect(await metrics.text()).toMatch(/^keymeter_chdb_statements 3$/m);
    expect(await metrics.text()).toMatch(/^keymeter_chdb_busy_seconds 1\.5$/m);
    use = { statements: 10, busyMs: 4250 };
    expect(await metrics.text()).toMatch(/^keymeter_chdb_statements 10$/m);
    expect(await metrics.text()).toMatch(/^keymeter_chdb_busy_seconds 4\.25$/m);
  });

  it('exports no engine metrics unless asked to (a ClickHouse server has no process queue)', async () => {
    expect(await new IngestMetrics().text()).not.toMatch(/keymeter_chdb_/);
  });
});
