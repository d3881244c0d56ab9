// The socket side (SPEC §2): it only signals. Connects with the stock
// socket.io-client (global `io` from vendor/socket.io.min.js), presents the
// access token in the CONNECT payload (browsers cannot set headers on a
// WebSocket), joins the "all", "person" and "chat" channels and hands every
// relay event (SPEC §3) to `onEvent`; the page then fetches the data through
// the REST API.

export class Signals {
  /**
   * @param api   the Api (for the current token and renewal)
   * @param userId whose person channel to join
   * @param onEvent (event) => void for every relay event
   * @param onConnect () => void after each (re)connection, once joined: catch up
   */
  constructor(api, userId, { onEvent, onConnect }) {
    this.api = api;
    this.userId = userId;
    this.rooms = new Set(); // chat channels wanted, re-joined after a reconnect
    this.onEvent = onEvent;
    this.onConnect = onConnect;
    // `auth` as a function: read again on every (re)connection, so a renewed
    // token is used without rebuilding the socket.
    this.socket = window.io({ auth: (cb) => cb({ token: api.accessToken }) });
    this.refusals = 0; // CONNECTs refused in a row, for the back-off below
    this.retryTimer = null;
    this.socket.on('connect', () => {
      this.refusals = 0;
      this.emitJoin({ type: 'all', msg: 'default connection request' });
      this.emitJoin({ type: 'person', userId: this.userId, msg: 'person connection request' });
      for (const roomId of this.rooms) this.joinChannel(roomId);
      this.onConnect();
    });
    this.socket.on('connect_error', async () => {
      // A refused CONNECT (e.g. the token expired while the tab slept) is not
      // retried by socket.io-client; renew the token and try again. Transport
      // errors are retried by the client itself.
      // Back off (1 s, 2 s, … 30 s) in case the refusal was not about the token.
      if (this.socket.active) return;
      const delay = Math.min(30_000, 1000 * 2 ** this.refusals++);
      this.retryTimer = setTimeout(async () => {
        try {
          await this.api.refresh();
          this.socket.connect();
        } catch {
          // the session ended; the app shows the login form
        }
      }, delay);
    });
    this.socket.on('event.server', (event) => {
      if (event && typeof event === 'object' && 'relay-type' in event) this.onEvent(event);
    });
  }

  emitJoin(request) {
    this.socket.emit('event.client', request);
  }

  joinChannel(roomId) {
    this.emitJoin({ type: 'chat', roomId, msg: 'room connection request' });
  }

  /** Follows a room's chat channel from now on (also after reconnects). */
  watch(roomId) {
    if (this.rooms.has(roomId)) return;
    this.rooms.add(roomId);
    if (this.socket.connected) this.joinChannel(roomId);
  }

  /** Stops re-joining a room (the server drops the channel when we leave). */
  forget(roomId) {
    this.rooms.delete(roomId);
  }

  close() {
    clearTimeout(this.retryTimer);
    this.socket.disconnect();
  }
}
