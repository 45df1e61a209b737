import { Agent, request } from 'node:http';

/** One call's answer as the demo sees it. */
export interface CallAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * Calls through the gateway with an API key, as a client application would. `localAddress` makes the
 * call from another source address (a second loopback address stands in for a new network).
 */
export class GatewayClient {
  private readonly agents = new Map<string, Agent>();

  constructor(private readonly gatewayUrl: string) {}

  private agentFor(localAddress: string | undefined): Agent {
    const name = localAddress ?? '';
    let agent = this.agents.get(name);
    if (agent === undefined) {
      agent = new Agent({ keepAlive: true, maxSockets: 64, ...(localAddress ? { localAddress } : {}) });
      this.agents.set(name, agent);
    }
    return agent;
  }

  call(path: string, apiKey: string, localAddress?: string): Promise<CallAnswer> {
    const url = new URL(path, this.gatewayUrl);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        { method: 'GET', agent: this.agentFor(localAddress), headers: { 'X-API-Key': apiKey } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error(`no answer from the gateway for ${path}`)));
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
