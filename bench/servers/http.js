// S3 server: a tiny HTTP/1.1 keep-alive responder on tls.createServer (see http.lua).
const tls = require('tls'), fs = require('fs');
const RESPONSE = 'HTTP/1.1 200 OK\r\nServer: bench\r\nDate: Wed, 02 Dec 2026 06:00:00 GMT\r\n' +
  'Content-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok';
const server = tls.createServer({
  key: fs.readFileSync('certs/ecdsa-server-key.pem'), cert: fs.readFileSync('certs/ecdsa-server-cert.pem'),
}, (socket) => {
  socket.setNoDelay(true);
  let pending = '';
  socket.on('data', (d) => {
    pending += d;
    const parts = pending.split('\r\n\r\n');
    const n = parts.length - 1;
    if (n === 0) return;
    pending = parts[n];
    socket.write(RESPONSE.repeat(n));
  });
  socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
