import { ConfigError, loadConfig } from '@keymeter/config';

describe('webhooks configuration', () => {
  it('polls every second, gives a receiver 10 s, and sends 20 deliveries at a time by default', () => {
    expect(loadConfig({}).webhooks).toEqual({
      deliveryIntervalMs: 1000,
      deliveryTimeoutMs: 10_000,
      deliveryBatchSize: 20,
    });
  });

  it('reads the variables', () => {
    const config = loadConfig({
      WEBHOOK_DELIVERY_INTERVAL_MS: '250',
      WEBHOOK_DELIVERY_TIMEOUT_MS: '3000',
      WEBHOOK_DELIVERY_BATCH_SIZE: '5',
    });
    expect(config.webhooks).toEqual({
      deliveryIntervalMs: 250,
      deliveryTimeoutMs: 3000,
      deliveryBatchSize: 5,
    });
  });

  it('names each malformed variable', () => {
    let error: unknown;
    try {
      loadConfig({
        WEBHOOK_DELIVERY_INTERVAL_MS: '10',
        WEBHOOK_DELIVERY_TIMEOUT_MS: 'soon',
        WEBHOOK_DELIVERY_BATCH_SIZE: '0',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.variable).sort()).toEqual([
      'WEBHOOK_DELIVERY_BATCH_SIZE',
      'WEBHOOK_DELIVERY_INTERVAL_MS',
      'WEBHOOK_DELIVERY_TIMEOUT_MS',
    ]);
  });
});
