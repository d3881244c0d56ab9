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

/**
 * What a load balancer does for the gateways (nginx upstream with backup
 * servers): each new connection goes to the first target that accepts it,
 * so while the first node is up it gets every connection (sticky enough for
 * long-polling) and once it is gone the next one takes over.
 */
export class FailoverProxy {
  static async start(ports) {
    const p = new FailoverProxy(ports);
    await new Promise((resolve, reject) => {
      p.server.listen(0, '127.0.0.1', resolve);
      p.server.once('error', reject);
    });
    p.port = p.server.address().port;
    p.baseUrl = `http://127.0.0.1:${p.port}`;
    return p;
  }

  constructor(ports) {
    this.ports = ports;
    this.sockets = new Set();
    this.server = net.createServer((client) => {
      client.on('error', () => {});
      client.pause();
      this.sockets.add(client);
      client.once('close', () => this.sockets.delete(client));
      const attempt = (i) => {
        if (i >= this.ports.length || client.destroyed) {
          client.destroy();
          return;
        }
        const upstream = net.connect(this.ports[i], '127.0.0.1');
        let connected = false;
        upstream.on('error', () => {
          if (connected) client.destroy();
          else attempt(i + 1);
        });
        upstream.once('connect', () => {
          connected = true;
          client.on('error', () => upstream.destroy());
          client.once('close', () => upstream.destroy());
          upstream.once('close', () => client.destroy());
          client.pipe(upstream);
          upstream.pipe(client);
          client.resume();
        });
      };
      attempt(0);
    });
  }

  close() {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(resolve));
  }
}
