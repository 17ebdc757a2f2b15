import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, HOST } from '../../src/dev/net';

const bindZero = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

describe('freePort', () => {
  it("is not handed out again by other processes' port-0 binds, yet can be bound by the one it is for", async () => {
    const held = new Set<number>();
    for (let i = 0; i < 100; i++) held.add(await freePort());
    // With a plain listen-and-close, about one bind in 280 came back as one of 100 held ports
    // (28,000 ephemeral ports here); 5,000 binds would then hit one about 18 times.
    const clashes: number[] = [];
    for (let i = 0; i < 5_000; i++) {
      const port = await bindZero();
      if (held.has(port)) clashes.push(port);
    }
    expect(clashes).toEqual([]);
    const [port] = held;
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, HOST, resolve);
    });
    expect((server.address() as { port: number }).port).toBe(port);
    await new Promise((resolve) => server.close(resolve));
  });
});
