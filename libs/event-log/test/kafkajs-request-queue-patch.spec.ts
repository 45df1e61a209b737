/**
 * The patched kafkajs request queue (patches/kafkajs+2.2.4.patch): a connection with nothing waiting and no
 * throttle keeps no timer. Unpatched, its first answered request started a check that rescheduled itself with
 * a negative delay (1 ms) for as long as the connection was open: a thousand wake-ups a second on every
 * producer's and consumer's connection, on the gateway's request thread too (its key registry consumer).
 */

interface QueueEntry {
  readonly correlationId: number;
  readonly apiKey: number;
  readonly apiName: string;
  readonly apiVersion: number;
  resolve(answer: unknown): void;
  reject(error: unknown): void;
}

interface RequestQueue {
  push(request: { entry: QueueEntry; expectResponse: boolean; sendRequest(): void }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(clientSideThrottleTime: number): void;
  destroy(): void;
}

const RequestQueueClass = jest.requireActual<new (options: Record<string, unknown>) => RequestQueue>(
  'kafkajs/src/network/requestQueue',
);

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

describe('kafkajs request queue (patched)', () => {
  let queue: RequestQueue;
  const sent: number[] = [];
  const answered: number[] = [];

  const request = (correlationId: number) => ({
    entry: {
      correlationId,
      apiKey: 0,
      apiName: 'Produce',
      apiVersion: 3,
      resolve: () => answered.push(correlationId),
      reject: () => undefined,
    },
    expectResponse: true,
    sendRequest: () => sent.push(correlationId),
  });
  const answer = (correlationId: number) =>
    queue.fulfillRequest({ correlationId, payload: Buffer.alloc(0), size: 0 });

  beforeEach(() => {
    jest.useFakeTimers();
    sent.length = 0;
    answered.length = 0;
    queue = new RequestQueueClass({
      maxInFlightRequests: 1,
      requestTimeout: 30_000,
      enforceRequestTimeout: false,
      clientId: 'test',
      broker: '127.0.0.1:9092',
      logger: quiet,
    });
  });

  afterEach(() => {
    queue.destroy();
    jest.useRealTimers();
  });

  it('keeps no timer once every request is answered', () => {
    queue.push(request(1));
    answer(1);
    expect(answered).toEqual([1]);
    expect(jest.getTimerCount()).toBe(0);
    // Unpatched, the check ran again every millisecond from here on.
    jest.advanceTimersByTime(1_000);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('still sends a request that had to wait for the one in flight', () => {
    queue.push(request(1));
    queue.push(request(2));
    expect(sent).toEqual([1]);
    answer(1);
    expect(sent).toEqual([1, 2]);
    answer(2);
    expect(answered).toEqual([1, 2]);
    // The 10 ms check scheduled while request 2 waited runs once, finds nothing, and is not renewed.
    jest.advanceTimersByTime(10);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('still sends a request held back by a broker throttle once the throttle ends', () => {
    queue.push(request(1));
    queue.maybeThrottle(500);
    answer(1);
    queue.push(request(2));
    expect(sent).toEqual([1]);
    jest.advanceTimersByTime(499);
    expect(sent).toEqual([1]);
    jest.advanceTimersByTime(20);
    expect(sent).toEqual([1, 2]);
    answer(2);
    jest.advanceTimersByTime(10);
    expect(jest.getTimerCount()).toBe(0);
  });
});
