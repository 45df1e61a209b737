import { createFetchWebhookSender, webhookHeaders } from '../src';
import { WebhookReceiver } from './support/webhook-receiver';

const headers = webhookHeaders({
  id: 'msg_1',
  sentAt: new Date(),
  body: '{}',
  secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
});

describe('fetch webhook sender', () => {
  let receiver: WebhookReceiver;

  beforeEach(async () => {
    receiver = new WebhookReceiver();
    await receiver.start();
  });

  afterEach(async () => {
    await receiver.stop();
  });

  it('reports the status of an answer, and does not follow a redirect', async () => {
    const sender = createFetchWebhookSender({ timeoutMs: 5000 });
    receiver.answer = (request) => (request.path === '/moved' ? 308 : 202);
    expect(await sender.send(`${receiver.url}/ok`, headers, '{}')).toEqual({ kind: 'answered', status: 202 });
    expect(await sender.send(`${receiver.url}/moved`, headers, '{}')).toEqual({
      kind: 'answered',
      status: 308,
    });
    expect(receiver.received.map((r) => r.path)).toEqual(['/ok', '/moved']);
    expect(receiver.received[0]?.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': 'msg_1',
      'webhook-signature': headers['webhook-signature'],
    });
  });

  it('reports a timeout and a refused connection as no answer, with the reason', async () => {
    const sender = createFetchWebhookSender({ timeoutMs: 200 });
    receiver.delayMs = 2000;
    expect(await sender.send(receiver.url, headers, '{}')).toEqual({
      kind: 'no_answer',
      error: 'no answer within 200 ms',
    });
    const url = receiver.url;
    await receiver.stop();
    expect(await sender.send(url, headers, '{}')).toEqual({
      kind: 'no_answer',
      error: 'fetch failed: ECONNREFUSED',
    });
  });
});
