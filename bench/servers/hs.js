// S1/S2 server: TLS handshakes only (see hs.lua).
const tls = require('tls'), fs = require('fs');
const kind = process.argv[2] === 'ecdsa' ? 'ecdsa-server' : 'server';
let full = 0, resumed = 0;
const server = tls.createServer({
  key: fs.readFileSync(`certs/${kind}-key.pem`), cert: fs.readFileSync(`certs/${kind}-cert.pem`),
}, (socket) => {
  if (socket.isSessionReused()) resumed++; else full++;
  socket.on('error', () => {});
  socket.on('data', () => {});
});
server.on('tlsClientError', () => {});
server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
setInterval(() => console.log(`STATS ${full} ${resumed}`), 250).unref();
