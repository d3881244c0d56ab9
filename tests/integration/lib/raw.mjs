// Raw HTTP/1.1 over a TCP socket, for what fetch cannot do: oversized bodies
// the server refuses mid-upload, request targets fetch would normalise, and
// bodies sent in pieces.

import net from 'node:net';

/** Parses one HTTP/1.1 response (status line, headers, Content-Length body). */
export function parseResponse(text) {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const [statusLine, ...lines] = text.slice(0, headEnd).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(text.slice(0, 80))}`);
  const headers = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = text.slice(headEnd + 4);
  if (Buffer.byteLength(body) < length) return null;
  let json = null;
  if ((headers['content-type'] ?? '').includes('json') && length > 0) json = JSON.parse(body);
  return { status: Number(m[1]), headers, text: body, body: json };
}

/**
 * Opens a connection. conn.send(data) writes (errors such as EPIPE after the
 * server closed are recorded, not thrown); conn.response() resolves with the
 * first complete response, or with what arrived when the socket closed;
 * conn.closed resolves when the server closed the connection.
 */
export function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let received = '';
    const waiters = [];
    const writeErrors = [];
    let closed;
    const closedP = new Promise((r) => { closed = r; });
    const check = () => {
      const parsed = (() => { try { return parseResponse(received); } catch (e) { return e; } })();
      if (parsed) {
        while (waiters.length) waiters.shift()(parsed);
      }
    };
    socket.on('data', (d) => { received += d.toString('latin1'); check(); });
    socket.on('error', (err) => { writeErrors.push(err); });
    socket.on('close', () => {
      check();
      const parsed = (() => { try { return parseResponse(received); } catch (e) { return e; } })();
      while (waiters.length) waiters.shift()(parsed ?? { status: null, raw: received });
      closed();
    });
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      resolve({
        socket,
        writeErrors,
        closed: closedP,
        raw: () => received,
        send(data) {
          return new Promise((r) => {
            if (socket.destroyed) return r(false);
            socket.write(data, (err) => r(!err));
          });
        },
        response() {
          const parsed = (() => { try { return parseResponse(received); } catch (e) { return e; } })();
          if (parsed) return Promise.resolve(parsed);
          if (socket.destroyed) return Promise.resolve({ status: null, raw: received });
          return new Promise((r) => waiters.push(r));
        },
        reset() { received = ''; },
        end() { socket.end(); },
        destroy() { socket.destroy(); },
      });
    });
    socket.once('error', reject);
  });
}
