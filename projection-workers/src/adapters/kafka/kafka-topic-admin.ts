import type { Kafka } from 'kafkajs';
import type { TopicAdmin } from '../../relay/ports.js';
import type { TopicSpec } from '../../relay/topics.js';

/** Topics through Kafka's admin API; existing topics are left as they are. */
export class KafkaTopicAdmin implements TopicAdmin {
  constructor(
    private readonly kafka: Kafka,
    private readonly replicationFactor = -1, // the broker's default
  ) {}

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t.name));
      if (missing.length === 0) return;
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: this.replicationFactor,
        })),
      });
    } finally {
      await admin.disconnect();
    }
  }
}
