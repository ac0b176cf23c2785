import { CliUsageError } from './cli.error.js';
import { MAX_DURATION_SECONDS, parseDuration } from './duration.util.js';

describe('parseDuration', () => {
  it.each([
    ['300', 300],
    ['1', 1],
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['7d', 604_800],
    ['365d', MAX_DURATION_SECONDS],
  ])('parses %s as %i seconds', (value, seconds) => {
    expect(parseDuration(value, '--ttl')).toBe(seconds);
  });

  it.each(['', '1.5h', '-5', '5x', '1h30m', ' 5m', '5 m', 'h', '1H', '0x10'])('refuses %j', (value) => {
    expect(() => parseDuration(value, '--ttl')).toThrow(
      new CliUsageError(`--ttl must be a duration such as 300, 90s, 15m, 1h or 7d (got "${value}")`),
    );
  });

  it.each(['0', '0s', '0d'])('refuses the empty duration %s', (value) => {
    expect(() => parseDuration(value, '--ttl')).toThrow(new CliUsageError('--ttl must be longer than 0 seconds'));
  });

  it.each(['366d', '31536001', '8761h'])('refuses %s, longer than a year', (value) => {
    expect(() => parseDuration(value, '--ttl')).toThrow(
      new CliUsageError(`--ttl must be at most 365d (got "${value}")`),
    );
  });

  it('throws usage errors naming the option it parses', () => {
    expect(() => parseDuration('x', '--lifetime')).toThrow(CliUsageError);
    expect(() => parseDuration('x', '--lifetime')).toThrow(/^--lifetime must be/);
  });
});
