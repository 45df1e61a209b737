import { createServer } from 'node:net';

/**
 * Whether this machine can use `address` as a source address. On Linux the whole of 127.0.0.0/8 is
 * loopback, so 127.0.0.2 works as a second "network"; elsewhere (macOS) it usually does not.
 */
export function canUseSourceAddress(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(0, address, () => server.close(() => resolve(true)));
  });
}
