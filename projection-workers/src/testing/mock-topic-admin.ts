import type { TopicAdmin } from '../relay/ports.js';
import type { TopicSpec } from '../relay/topics.js';
import type { KafkaMockBroker } from './kafka-mock-broker.js';

/** The TopicAdmin port on the mock broker, which has no CreateTopics API: its launcher creates them. */
export class MockTopicAdmin implements TopicAdmin {
  private readonly created = new Set<string>();

  constructor(private readonly broker: KafkaMockBroker) {}

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    for (const topic of topics) {
      if (this.created.has(topic.name)) continue;
      await this.broker.createTopic(topic.name, topic.partitions);
      this.created.add(topic.name);
    }
  }
}
