// Creates the development key pair of sample 01 on first start (npm start), with the CLI.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

if (!existsSync('.dev-keys/jwks.json')) {
  const result = spawnSync(process.execPath, ['dist/lib/cli/main.js', 'keys', 'generate', '--out', '.dev-keys'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  console.warn('Generated a development key pair in .dev-keys/ (never use it in production).');
}
