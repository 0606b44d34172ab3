// The Node.js twin of examples/echo-server.lua, for `make audit`: the same
// certificate, client certificates requested, every line echoed.
const tls = require('tls'), fs = require('fs');
const server = tls.createServer({
  key: fs.readFileSync('certs/server-key.pem'),
  cert: fs.readFileSync('certs/server-cert.pem'),
  requestCert: true,
  ca: [fs.readFileSync('certs/ca-cert.pem')],
}, (socket) => {
  socket.write('welcome!\n');
  socket.pipe(socket);
  socket.on('error', () => {});
});
server.listen(Number(process.env.PORT), () => console.log('server bound'));
