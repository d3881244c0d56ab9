// A TCP proxy on 127.0.0.1 that a test can cut and restore, to make a
// dependency (a database server) unreachable without stopping it for the
// other tests that share it.

import net from 'node:net';

export class CuttableProxy {
  /** Listens on a free port and forwards to targetHost:targetPort. */
  static async start(targetHost, targetPort) {
    const p = new CuttableProxy(targetHost, targetPort);
    await new Promise((resolve, reject) => {
      p.server.listen(0, '127.0.0.1', resolve);
      p.server.once('error', reject);
    });
    p.port = p.server.address().port;
    return p;
  }

  constructor(targetHost, targetPort) {
    this.cut_ = false;
    this.pairs = new Set();
    this.server = net.createServer((client) => {
      client.on('error', () => {});
      if (this.cut_) {
        client.resetAndDestroy();
        return;
      }
      const upstream = net.connect(targetPort, targetHost);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      const pair = [client, upstream];
      this.pairs.add(pair);
      const drop = () => this.pairs.delete(pair);
      client.once('close', drop);
      upstream.once('close', drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  /** Resets every forwarded connection and every new one until restore(). */
  cut() {
    this.cut_ = true;
    for (const [client, upstream] of this.pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  restore() { this.cut_ = false; }

  close() {
    this.cut();
    return new Promise((resolve) => this.server.close(resolve));
  }
}
