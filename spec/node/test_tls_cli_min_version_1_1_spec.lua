-- from test/parallel/test-tls-cli-min-version-1.1.js
require('node.cli_version')('test-tls-cli-min-version-1.1', { '--tls-min-v1.1' }, 'TLSv1.1', 'TLSv1.3',
  '--tls-min-v1.1 sets the default minimum')
