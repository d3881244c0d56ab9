// The seed's socket server, written the way its design note draws it: a Node
// socket.io 4 server subscribed to Redis channel `relay`, routing each relay
// event (SPEC §3) by its relay-type to a socket.io room, with a JWT (HS256)
// checked on the handshake and the seed's `event.client` joins answered as in
// SPEC §2. It is the comparison peer of bench/compare, not part of the
// product: idiomatic socket.io, nothing slowed down, no per-message logging.
//
// Environment:
//   JWT_SECRET       the HS256 secret (the one `simple-chat --jwt-secret` got), or
//   JWT_SECRET_FILE  a file holding it
//   REDIS_URL        redis://host:port of the relay bus (required)
//   RELAY_CHANNEL    pub/sub channel (default relay)
//   HOST, PORT       where to listen (default 127.0.0.1, 0 = any free port)
//   MEMBERSHIP_API   optional http://host:port of a simple-chat API: a `chat`
//                    join is then allowed only if GET /rooms/{id} with the
//                    socket's token answers 200 (as our gateway's participant
//                    check). Unset (what bench/compare does): any authenticated
//                    socket may join any room, which makes this peer's joins
//                    cheaper than ours.
//
// Prints `listening on HOST:PORT` once it is subscribed and accepting.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import jwt from 'jsonwebtoken';
import { createClient } from 'redis';
import { Server } from 'socket.io';

const env = process.env;
const secret = env.JWT_SECRET ?? (env.JWT_SECRET_FILE ? readFileSync(env.JWT_SECRET_FILE, 'utf8').trim() : '');
if (secret.length < 32) {
  console.error('node-socketio peer: JWT_SECRET or JWT_SECRET_FILE (at least 32 bytes) is required');
  process.exit(2);
}
if (!env.REDIS_URL) {
  console.error('node-socketio peer: REDIS_URL is required');
  process.exit(2);
}
const channel = env.RELAY_CHANNEL ?? 'relay';
const membershipApi = env.MEMBERSHIP_API ?? '';

const httpServer = createServer((req, res) => {
  res.writeHead(404).end();
});
// socket.io's defaults (pingInterval 25 s, pingTimeout 20 s, no compression)
// match the gateway's; both transports stay on, as a real deployment has them.
const io = new Server(httpServer, { serveClient: false });

function bearer(handshake) {
  const header = handshake.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7);
  return typeof handshake.auth?.token === 'string' ? handshake.auth.token : '';
}

io.use((socket, next) => {
  const token = bearer(socket.handshake);
  try {
    const claims = jwt.verify(token, secret, { algorithms: ['HS256'] });
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new Error('no subject');
    socket.data.userId = claims.sub;
    socket.data.token = token;
    next();
  } catch {
    next(new Error('unauthorized'));
  }
});

const channelOf = {
  chat: (id) => `chat:${id}`,
  person: (id) => `person:${id}`,
};

async function isParticipant(token, roomId) {
  if (!membershipApi) return true;
  const res = await fetch(`${membershipApi}/rooms/${encodeURIComponent(roomId)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await res.arrayBuffer();
  return res.status === 200;
}

// SPEC §2: the request's own fields, then the failure and why.
function failure(request, code, message) {
  return { ...request, msg: 'connection failure', error: { code, message } };
}

async function join(socket, request) {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    return failure({ type: null }, 'invalid_request', 'the join request must be an object');
  }
  switch (request.type) {
    case 'chat': {
      const roomId = request.roomId;
      if (typeof roomId !== 'string' || roomId === '') {
        return failure({ type: 'chat' }, 'invalid_request', 'roomId is required');
      }
      if (!(await isParticipant(socket.data.token, roomId))) {
        return failure({ type: 'chat', roomId }, 'forbidden', 'not a participant of this room');
      }
      socket.join(channelOf.chat(roomId));
      return { type: 'chat', roomId, msg: 'connection success' };
    }
    case 'person': {
      const userId = request.userId;
      if (userId !== socket.data.userId) {
        return failure({ type: 'person', userId }, 'forbidden', 'only your own person channel');
      }
      socket.join(channelOf.person(userId));
      return { type: 'person', userId, msg: 'connection success' };
    }
    case 'all':
      socket.join('all');
      return { type: 'all', msg: 'connection success' };
    default:
      return failure({ type: request.type ?? null }, 'invalid_request', 'unknown type');
  }
}

io.on('connection', (socket) => {
  socket.on('event.client', (request) => {
    join(socket, request).then(
      (answer) => socket.emit('event.server', answer),
      () => socket.emit('event.server', failure({ type: request?.type ?? null }, 'unavailable', 'try again')),
    );
  });
});

// The relay bus: forward each event unchanged to the sockets of its channel.
function route(message) {
  let event;
  try {
    event = JSON.parse(message);
  } catch {
    return;
  }
  if (event === null || typeof event !== 'object') return;
  switch (event['relay-type']) {
    case 'chat':
      if (typeof event.roomId === 'string') io.to(channelOf.chat(event.roomId)).emit('event.server', event);
      break;
    case 'person':
      if (typeof event.userId === 'string') io.to(channelOf.person(event.userId)).emit('event.server', event);
      break;
    case 'all':
      io.to('all').emit('event.server', event);
      break;
    default:
      break;
  }
}

const subscriber = createClient({ url: env.REDIS_URL });
subscriber.on('error', (err) => console.error(`node-socketio peer: redis: ${err.message}`));
await subscriber.connect();
await subscriber.subscribe(channel, route);

httpServer.listen(Number(env.PORT ?? 0), env.HOST ?? '127.0.0.1', () => {
  const { address, port } = httpServer.address();
  console.log(`listening on ${address}:${port}`);
});

function shutdown() {
  io.close();
  subscriber.quit().finally(() => process.exit(0));
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
