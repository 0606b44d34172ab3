-- from test/parallel/test-tls-cli-min-version-1.2.js
require('node.cli_version')('test-tls-cli-min-version-1.2', { '--tls-min-v1.2' }, 'TLSv1.2', 'TLSv1.3',
  '--tls-min-v1.2 sets the default minimum')
