import { scoreEpisodes, type Episode } from './scoring';
import type { AnomalyLabel } from './traffic-model';

const START = 29_000_000; // an epoch minute

function label(id: string, kind: AnomalyLabel['kind'], key: string): AnomalyLabel {
  return {
    id,
    kind,
    key,
    network: null,
    start: new Date(START * 60_000).toISOString(),
    end: new Date((START + 20) * 60_000).toISOString(),
    startMinute: START,
    endMinute: START + 20,
    details: { factor: 3 },
  };
}

function episode(key: string, kind: Episode['kind'], minutesAfterStart: number): Episode {
  return {
    key,
    network: null,
    kind,
    startMinute: START + minutesAfterStart,
    endMinute: START + minutesAfterStart + 5,
    summary: '',
  };
}

describe('scoring: detections later than the delay target', () => {
  it('lists spikes and leaks reported after two minutes, slowest first, with their delay', () => {
    const labels = [
      label('a1', 'spike', 'key_1'),
      label('a2', 'spike', 'key_2'),
      label('a3', 'leaked_key', 'key_3'),
      label('a4', 'ramp', 'key_4'),
    ];
    const episodes = [
      // Reported at the end of the label's first and second minute: within the target.
      episode('key_1', 'traffic_spike', 1),
      // Reported at the end of its 4th and 8th minute.
      episode('key_2', 'traffic_spike', 3),
      episode('key_3', 'new_source_network', 7),
      // Ramps have no delay target.
      episode('key_4', 'traffic_spike', 15),
    ];

    const report = scoreEpisodes(labels, episodes);

    expect(report.slow.map(({ label: slow, delayMinutes }) => [slow.id, delayMinutes])).toEqual([
      ['a3', 8],
      ['a2', 4],
    ]);
    expect(report.missed).toEqual([]);
  });
});
