import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, signWebhook, webhookHeaders, webhookSecretKey } from '../src';

// The example of the Standard Webhooks specification (also used by the svix libraries' tests).
const SPEC_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SPEC_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const SPEC_TIMESTAMP = 1614265330;
const SPEC_BODY = '{"test": 2432232314}';
const SPEC_SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

describe('Standard Webhooks signing', () => {
  it('reproduces the specification example', () => {
    expect(signWebhook(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)).toBe(SPEC_SIGNATURE);
  });

  it('signs "{id}.{timestamp}.{body}" with the base64-decoded key, not the secret text', () => {
    // Key bytes 0x00..0x17 written out by hand: base64 of 00 01 02 ... 17.
    const secret = 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX';
    expect([...webhookSecretKey(secret)]).toEqual([...Array(24).keys()]);
    // Computed independently: printf 'msg_1.1700000000.{}' | openssl dgst -sha256 -mac HMAC \
    //   -macopt hexkey:000102030405060708090a0b0c0d0e0f1011121314151617 -binary | base64
    expect(signWebhook(secret, 'msg_1', 1_700_000_000, '{}')).toBe(
      'v1,ehZEL34p4RtokJ76Mky/c6YT0NkxG/H/gdzahhXIyv0=',
    );
  });

  it('lists one signature per secret, space-separated, with the timestamp in unix seconds', () => {
    const headers = webhookHeaders({
      id: SPEC_ID,
      sentAt: new Date(SPEC_TIMESTAMP * 1000 + 999),
      body: SPEC_BODY,
      secrets: [generateWebhookSecret(), SPEC_SECRET],
    });
    expect(headers['webhook-id']).toBe(SPEC_ID);
    expect(headers['webhook-timestamp']).toBe(String(SPEC_TIMESTAMP));
    const signatures = headers['webhook-signature'].split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures[1]).toBe(SPEC_SIGNATURE);
  });

  it('generates whsec_ secrets of 24 random bytes', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(webhookSecretKey(a)).toHaveLength(24);
    expect(generateWebhookSecret()).not.toBe(a);
  });

  it('rejects a secret without the prefix or with a malformed key', () => {
    expect(() => webhookSecretKey('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toThrow('whsec_');
    expect(() => webhookSecretKey('whsec_not base64!')).toThrow('base64');
  });

  describe('verified by the standardwebhooks receiver library', () => {
    const body = fc
      .jsonValue()
      .map((value) => JSON.stringify({ type: 'alert.opened', timestamp: 'x', data: value }));
    const id = fc.stringMatching(/^msg_[0-9A-Za-z]{1,40}$/);

    it('accepts every signed payload, with one or two secrets', () => {
      fc.assert(
        fc.property(body, id, fc.boolean(), (payload, msgId, rotated) => {
          const current = generateWebhookSecret();
          const previous = generateWebhookSecret();
          const headers = webhookHeaders({
            id: msgId,
            sentAt: new Date(),
            body: payload,
            secrets: rotated ? [current, previous] : [current],
          });
          expect(new Webhook(current).verify(payload, { ...headers })).toEqual(JSON.parse(payload));
          if (rotated)
            expect(new Webhook(previous).verify(payload, { ...headers })).toEqual(JSON.parse(payload));
        }),
        { numRuns: 200 },
      );
    });

    it('rejects a tampered body, id, timestamp or signature, and a foreign secret', () => {
      fc.assert(
        fc.property(body, id, fc.integer({ min: 0, max: 4 }), (payload, msgId, tamper) => {
          const secret = generateWebhookSecret();
          const sentAt = new Date();
          const headers = { ...webhookHeaders({ id: msgId, sentAt, body: payload, secrets: [secret] }) };
          let verifier = new Webhook(secret);
          let sent = payload;
          if (tamper === 0) sent = payload + ' ';
          if (tamper === 1) headers['webhook-id'] = `${msgId}x`;
          if (tamper === 2) headers['webhook-timestamp'] = String(Math.floor(sentAt.getTime() / 1000) - 1);
          if (tamper === 3) {
            const mac = Buffer.from(headers['webhook-signature'].slice(3), 'base64');
            mac[0] ^= 1;
            headers['webhook-signature'] = `v1,${mac.toString('base64')}`;
          }
          if (tamper === 4) verifier = new Webhook(generateWebhookSecret());
          expect(() => verifier.verify(sent, headers)).toThrow();
        }),
        { numRuns: 200 },
      );
    });
  });
});
