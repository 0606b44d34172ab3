-- from test/parallel/test-tls-cli-min-version-1.3.js
require('node.cli_version')('test-tls-cli-min-version-1.3', { '--tls-min-v1.3' }, 'TLSv1.3', 'TLSv1.3',
  '--tls-min-v1.3 sets the default minimum')
