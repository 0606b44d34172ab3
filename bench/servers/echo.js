// S4 server: echoes everything (see echo.lua).
const tls = require('tls'), fs = require('fs');
const server = tls.createServer({
  key: fs.readFileSync('certs/ecdsa-server-key.pem'), cert: fs.readFileSync('certs/ecdsa-server-cert.pem'),
  ciphers: process.argv[2],
}, (socket) => { socket.pipe(socket); socket.on('error', () => {}); });
server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
