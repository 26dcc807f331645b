/**
 * Where a Kafka-fed projection stands on each partition, for read-your-writes: recorded once a
 * chunk's effects are committed, before its offset is committed to the consumer group.
 */
export interface AppliedOffsets {
  record(projection: string, topic: string, partition: number, nextOffset: bigint): Promise<void>;
}
