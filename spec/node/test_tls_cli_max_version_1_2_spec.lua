-- from test/parallel/test-tls-cli-max-version-1.2.js
require('node.cli_version')('test-tls-cli-max-version-1.2', { '--tls-max-v1.2' }, 'TLSv1.2', 'TLSv1.2',
  '--tls-max-v1.2 sets the default maximum')
