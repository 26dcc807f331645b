import { gauge } from '@meetings/command-service/http';
import type { Registry } from '@meetings/command-service/http';
import type { Admin } from 'kafkajs';

export interface ConsumerGroupOf {
  projection: string;
  groupId: string;
}

/**
 * `kafka_consumer_lag_messages{projection}`: on the Kafka path, the messages of the domain topics
 * a projection's consumer group has not committed yet (the partitions' high watermarks minus its
 * committed offsets; a partition it never committed counts from its low watermark). Read with the
 * admin API when scraped: one ListOffsets per topic, one OffsetFetch per group.
 */
export function kafkaConsumerLag(
  registry: Registry,
  admin: Pick<Admin, 'fetchTopicOffsets' | 'fetchOffsets'>,
  groups: readonly ConsumerGroupOf[],
  topics: readonly string[],
): void {
  gauge(registry, {
    name: 'kafka_consumer_lag_messages',
    help: "Messages of the domain topics a projection's Kafka consumer group has not committed yet",
    labelNames: ['projection'] as const,
    async collect() {
      const ends = new Map<string, { high: number; low: number }>();
      for (const topic of topics) {
        for (const p of await admin.fetchTopicOffsets(topic)) {
          ends.set(`${topic}/${p.partition}`, { high: Number(p.high), low: Number(p.low) });
        }
      }
      for (const { projection, groupId } of groups) {
        let lag = 0;
        for (const t of await admin.fetchOffsets({ groupId, topics: [...topics] })) {
          for (const p of t.partitions) {
            const end = ends.get(`${t.topic}/${p.partition}`);
            if (!end) continue;
            const committed = Number(p.offset);
            lag += Math.max(0, end.high - (committed >= 0 ? committed : end.low));
          }
        }
        this.set({ projection }, lag);
      }
    },
  });
}
