import type { Knex } from 'knex';
import { participantLink } from './20261201000003_seed_column_names.js';

/**
 * `meeting_participants.id` and `media_streams.participant_id` become one value derived from the
 * (meeting, user) pair (an md5-based uuid), computed by each table itself. The triggers that kept
 * `participant_id` pointing at a bigserial row had each projection write the other's table: the
 * meetings projection's inserts updated media_streams rows the media-streams projection held
 * locked, and a rebuild of both took 13 s instead of 2 (bench:project). A derived id also makes
 * rebuilds reproduce the ids, as every other id of the read tables does.
 */
const PARTICIPANT_KEY = `md5(meeting_id::text || ':' || user_id::text)::uuid`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TRIGGER meeting_participants_link_media_streams ON meeting_participants;
    DROP FUNCTION meeting_participants_link_media_streams();
    DROP TRIGGER media_streams_link_participant ON media_streams;
    DROP FUNCTION media_streams_link_participant();
    ALTER TABLE media_streams DROP COLUMN participant_id;
    ALTER TABLE media_streams ADD COLUMN participant_id uuid GENERATED ALWAYS AS (${PARTICIPANT_KEY}) STORED;
    CREATE INDEX media_streams_participant_id_idx ON media_streams (participant_id);
    ALTER TABLE meeting_participants DROP COLUMN id;
    ALTER TABLE meeting_participants ADD COLUMN id uuid GENERATED ALWAYS AS (${PARTICIPANT_KEY}) STORED;
    ALTER TABLE meeting_participants ADD CONSTRAINT meeting_participants_pkey PRIMARY KEY (id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE meeting_participants DROP COLUMN id;
    ALTER TABLE meeting_participants ADD COLUMN id bigserial;
    ALTER TABLE meeting_participants ADD CONSTRAINT meeting_participants_pkey PRIMARY KEY (id);
    ALTER TABLE media_streams DROP COLUMN participant_id;
    ALTER TABLE media_streams ADD COLUMN participant_id bigint;
    CREATE INDEX media_streams_participant_id_idx ON media_streams (participant_id);
    ${participantLink}
    UPDATE media_streams s SET participant_id = p.id
      FROM meeting_participants p WHERE p.meeting_id = s.meeting_id AND p.user_id = s.user_id;
  `);
}
