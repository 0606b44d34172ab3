-- from test/parallel/test-tls-cli-max-version-1.3.js
require('node.cli_version')('test-tls-cli-max-version-1.3', { '--tls-max-v1.3' }, 'TLSv1.2', 'TLSv1.3',
  '--tls-max-v1.3 sets the default maximum')
