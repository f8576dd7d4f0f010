import { describe, expect, it } from '@jest/globals';
import { formatDuration, parseDuration } from '../../shared/parse/duration.js';

describe('parseDuration', () => {
  it.each([['90s', 90_000], ['5m', 300_000], ['1h', 3_600_000], ['1h30m', 5_400_000], ['250ms', 250], ['1.5m', 90_000]])(
    'reads %p as %p milliseconds',
    (raw, ms) => expect(parseDuration(raw, 'interval')).toBe(ms),
  );

  it.each(['30', '0s', '-5m', '5 minutes', '', 'm', '1d', 'NaNs'])('refuses %p naming the input and the expected form', (raw) => {
    expect(() => parseDuration(raw, 'interval')).toThrow(/Invalid `interval`: '.*'\. Expected a positive duration such as `30s`/);
  });
});

describe('formatDuration', () => {
  it.each([[90_000, '1m30s'], [3_600_000, '1h'], [500, '500ms'], [0, '0ms'], [5_000, '5s']])('renders %p ms as %p', (ms, text) =>
    expect(formatDuration(ms)).toBe(text),
  );
});
