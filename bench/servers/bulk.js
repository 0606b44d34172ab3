// S4b server: answers a request with argv[2] MiB written from memory (see bulk.lua).
const tls = require('tls'), fs = require('fs');
const MIB = Number(process.argv[2] || 512);
const block = Buffer.alloc(65536, 'b');
const HEAD = `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${MIB * 1048576}\r\n\r\n`;
const server = tls.createServer({
  key: fs.readFileSync('certs/ecdsa-server-key.pem'), cert: fs.readFileSync('certs/ecdsa-server-cert.pem'),
}, (socket) => {
  let pending = '', left = 0;
  const pump = () => {
    while (left > 0) {
      left--;
      if (!socket.write(block)) return;
    }
  };
  socket.on('drain', pump);
  socket.on('data', (d) => {
    pending += d;
    if (!pending.includes('\r\n\r\n')) return;
    pending = ''; left = MIB * 16;
    socket.write(HEAD);
    pump();
  });
  socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
