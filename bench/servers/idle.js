// A TLS server that accepts connections and keeps them idle (bench/idle-rss).
const tls = require('tls'), fs = require('fs');
const server = tls.createServer({
  key: fs.readFileSync('certs/server-key.pem'),
  cert: fs.readFileSync('certs/server-cert.pem'),
}, (sock) => { sock.on('data', () => {}); });
server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
