-- from test/parallel/test-tls-cli-min-version-1.0.js
require('node.cli_version')('test-tls-cli-min-version-1.0', { '--tls-min-v1.0', '--tls-min-v1.1' }, 'TLSv1', 'TLSv1.3',
  '--tls-min-v1.0 is accepted and wins over --tls-min-v1.1')
