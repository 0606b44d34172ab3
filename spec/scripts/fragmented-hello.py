# A TLS client whose handshake records are cut into pieces of argv[2] bytes:
# connects to 127.0.0.1:argv[1], sends "fragmented", prints the echo and the version.
import socket, ssl, sys

port, size = int(sys.argv[1]), int(sys.argv[2])
ctx = ssl.create_default_context(cafile='certs/ca-cert.pem')
incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(incoming, outgoing, server_hostname='localhost')
sock = socket.create_connection(('127.0.0.1', port), timeout=10)

def flush():
    data, out, i = outgoing.read(), [], 0
    while i < len(data):
        kind, version = data[i], data[i + 1:i + 3]
        n = int.from_bytes(data[i + 3:i + 5], 'big')
        body = data[i + 5:i + 5 + n]
        if kind == 22:
            for j in range(0, n, size):
                piece = body[j:j + size]
                out.append(bytes([kind]) + version + len(piece).to_bytes(2, 'big') + piece)
        else:
            out.append(data[i:i + 5 + n])
        i += 5 + n
    sock.sendall(b''.join(out))

def pump(step):
    while True:
        try:
            result = step()
            flush()
            return result
        except ssl.SSLWantReadError:
            flush()
            data = sock.recv(65536)
            if not data:
                sys.exit('the server closed the connection')
            incoming.write(data)

pump(tls.do_handshake)
pump(lambda: tls.write(b'fragmented'))
print(pump(lambda: tls.read(100)).decode(), tls.version())
sock.close()
