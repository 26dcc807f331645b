import { randomBytes, randomUUID } from 'node:crypto';
import { RedisSessionStore } from '@meetings/command-service/sessions';
import { Redis } from 'ioredis';
import pg from 'pg';

export interface TestViewer {
  userId: string;
  token: string;
}

type Row = Record<string, unknown>;

/**
 * An active room's hash as the room-cache projection writes it (seed layout): `participants` the
 * ids in join order, `participant_state` their state by id, times in epoch seconds.
 */
export function roomHash(meetingId: string, version: number, participants: Record<string, Row>) {
  const joinOrder = Object.entries(participants)
    .sort(([a, p], [b, q]) => String(p.joinedAt).localeCompare(String(q.joinedAt)) || a.localeCompare(b))
    .map(([id]) => id);
  return {
    meeting_id: meetingId,
    status: 'active',
    created_at: String(Date.parse('2030-01-07T09:00:00.000Z') / 1000),
    participants: JSON.stringify(joinOrder),
    participant_state: JSON.stringify(participants),
    participant_count: String(joinOrder.length),
    is_recording: '0',
    recording_id: '',
    version: String(version),
    updated_at: String(Date.parse('2030-01-07T09:02:00.000Z') / 1000),
  };
}

/**
 * Writes read-model rows, room hashes, checkpoints and sessions directly, as the projections and
 * the command service would: the query API is tested on exactly the data it is given.
 */
export class ReadModelFixture {
  readonly pool: pg.Pool;
  readonly redis: Redis;
  private readonly sessions: RedisSessionStore;

  constructor(databaseUrl: string, redisUrl: string, redisPrefix: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    this.pool.on('error', () => undefined); // the database is dropped at the end
    this.redis = new Redis(redisUrl, { keyPrefix: redisPrefix });
    this.sessions = new RedisSessionStore(this.redis, 3600);
  }

  /** A users row and a logged-in session. */
  async user(role: 'user' | 'admin' = 'user'): Promise<TestViewer> {
    const userId = randomUUID();
    const username = `u_${randomBytes(5).toString('hex')}`;
    await this.insert('users', {
      id: userId,
      username,
      email: `${username}@example.com`,
      full_name: username,
      role,
      last_stream_version: 1,
    });
    const { token } = await this.sessions.create({
      userId,
      username,
      email: `${username}@example.com`,
      role,
      roleVersion: 1,
      ip: '',
      userAgent: '',
    });
    return { userId, token };
  }

  /** A session only, for a user the test creates otherwise (through events). */
  async session(userId: string, role: 'user' | 'admin' = 'user'): Promise<TestViewer> {
    const { token } = await this.sessions.create({
      userId,
      username: `u_${userId.slice(0, 8)}`,
      email: `u_${userId.slice(0, 8)}@example.com`,
      role,
      roleVersion: 1,
      ip: '',
      userAgent: '',
    });
    return { userId, token };
  }

  /** Ends a session, as logging out does. */
  async revoke(token: string): Promise<void> {
    await this.sessions.revoke(token);
  }

  async meeting(hostId: string, columns: Row = {}): Promise<string> {
    const id = (columns.id as string | undefined) ?? randomUUID();
    await this.insert('meetings', {
      id,
      creator_id: hostId,
      title: 'Weekly sync',
      status: 'scheduled',
      start_time: '2030-01-07T09:00:00Z',
      max_participants: 50,
      settings: JSON.stringify({ muteOnJoin: false, allowChat: true, access: 'open', lobby: false }),
      last_stream_version: 1,
      ...columns,
    });
    return id;
  }

  async participant(meetingId: string, userId: string, columns: Row = {}): Promise<void> {
    await this.insert('meeting_participants', {
      meeting_id: meetingId,
      user_id: userId,
      role: 'participant',
      join_time: new Date().toISOString(),
      // Explicit, as the projector always writes it (the column defaults to the seed's true).
      is_video_on: false,
      last_stream_version: 2,
      ...columns,
    });
  }

  async recording(meetingId: string, columns: Row = {}): Promise<string> {
    const id = randomUUID();
    await this.insert('meeting_recordings', {
      id,
      meeting_id: meetingId,
      status: 'recording',
      started_at: '2030-01-07T09:05:00Z',
      last_stream_version: 3,
      ...columns,
    });
    return id;
  }

  async mediaStream(meetingId: string, userId: string, columns: Row = {}): Promise<string> {
    const id = randomUUID();
    await this.insert('media_streams', {
      id,
      meeting_id: meetingId,
      user_id: userId,
      stream_type: 'audio',
      sfu_node_id: 'sfu-1',
      producer_id: `producer-${id.slice(0, 8)}`,
      codec: 'opus',
      published_at: '2030-01-07T09:01:00Z',
      last_stream_version: 1,
      ...columns,
    });
    return id;
  }

  async chat(meetingId: string, senderId: string, text: string, columns: Row = {}): Promise<string> {
    const id = randomUUID();
    await this.insert('signaling_messages', {
      id,
      meeting_id: meetingId,
      sender_id: senderId,
      recipient_id: null,
      message_type: 'chat',
      content: text,
      sent_at: new Date().toISOString(),
      last_stream_version: 4,
      ...columns,
    });
    return id;
  }

  async operationLog(columns: Row = {}): Promise<void> {
    await this.insert('operation_logs', {
      event_id: randomUUID(),
      action: 'MeetingScheduled',
      resource_type: 'meeting',
      resource_id: randomUUID(),
      details: '{}',
      correlation_id: 'c-1',
      created_at: new Date().toISOString(),
      ...columns,
    });
  }

  /** A `room:{meetingId}` hash as the room-cache projection writes it. */
  async room(meetingId: string, participants: Record<string, Row>, fields: Record<string, string> = {}) {
    await this.redis.hset(`room:${meetingId}`, { ...roomHash(meetingId, 5, participants), ...fields });
  }

  async insert(table: string, row: Row): Promise<void> {
    const columns = Object.keys(row);
    await this.pool.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      Object.values(row),
    );
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    await this.pool.end();
  }
}
