import { FENCE_LUA } from '../../adapters/redis/redis-target.js';

/**
 * Applies one meeting event to the room cache, atomically (see room-cache-projector.ts for the
 * layout), once the run's fence holds (FENCE_LUA: nothing is written into a Redis that lost the
 * rooms, or whose checkpoint is not the run's). Every key it touches comes in KEYS, so that
 * ioredis prefixes them:
 *
 *   KEYS[1]  room:<meetingId>           the room hash
 *   KEYS[2]  room-version:<meetingId>   the version guard, outliving the room
 *   KEYS[3]  queue:notifications        the notification job list
 *   KEYS[4]  the fence's generation marker, KEYS[5] its checkpoint
 *   KEYS[6]  room-settings:<meetingId>  the meeting's settings, from its scheduling on
 *   KEYS[7]  meeting-invitees:<meetingId>  the invitees' user ids, whom notifications go to
 *   KEYS[8]  the furthest log position run against these keys (see below)
 *
 *   ARGV[1]  event type                 ARGV[6]  notification job (template), or '' for none
 *   ARGV[2]  meeting stream version     ARGV[7]  PUBLISH channel (already prefixed), '' for none
 *   ARGV[3]  meetingId                  ARGV[8]  room TTL in seconds
 *   ARGV[4]  occurredAt (ISO)           ARGV[9]  version guard TTL in seconds
 *   ARGV[5]  event data (JSON)          ARGV[10], ARGV[11]  the fence's generation and checkpoint
 *   ARGV[12] occurredAt in epoch seconds (the hash's times; ISO ARGV[4] orders joins and waits)
 *   ARGV[13] the event's log position, '<transactionId>:<globalPosition>'
 *
 * KEYS[8] is raised to ARGV[13] by every event that passes the fence, applied or skipped: the
 * checkpoint moves only once a whole batch is applied, so without it a rebuild could not tell a
 * batch half applied from none (rebuild/redis/switch-generation.ts switches only where it knows
 * that no event beyond its own position has run against the live keys).
 *
 * Returns 1 when the event was applied (its version was above the last applied one), 0 when it
 * was a redelivery or out of date and changed nothing.
 */
export const ROOM_SCRIPT = `${FENCE_LUA}
local refused = fence(KEYS[4], KEYS[5], ARGV[10], ARGV[11])
if refused then return refused end

local function after(a, b)
  local ta, pa = string.match(a, '^(%d+):(%d+)$')
  local tb, pb = string.match(b, '^(%d+):(%d+)$')
  if tonumber(ta) ~= tonumber(tb) then return tonumber(ta) > tonumber(tb) end
  return tonumber(pa) > tonumber(pb)
end
local furthest = redis.call('GET', KEYS[8])
if not furthest or after(ARGV[13], furthest) then redis.call('SET', KEYS[8], ARGV[13]) end

local room_key, guard_key, queue_key, settings_key = KEYS[1], KEYS[2], KEYS[3], KEYS[6]
local event_type = ARGV[1]
local version = tonumber(ARGV[2])
local meeting_id = ARGV[3]
local at = ARGV[4]
local data = cjson.decode(ARGV[5])
local job = ARGV[6]
local channel = ARGV[7]
local at_seconds = ARGV[12]

-- The guard key outlives the room; the hash's own version covers a guard lost by eviction.
local last = tonumber(redis.call('GET', guard_key) or '0')
local room_version = tonumber(redis.call('HGET', room_key, 'version') or '0')
if room_version > last then last = room_version end
if version <= last then return 0 end
redis.call('SET', guard_key, ARGV[2], 'EX', ARGV[9])

local function publish(room)
  if channel == '' then return end
  redis.call('PUBLISH', channel, cjson.encode({
    meetingId = meeting_id, version = version, type = event_type, room = room or cjson.null,
  }))
end

local exists = redis.call('EXISTS', room_key) == 1

if event_type == 'MeetingEnded' or event_type == 'MeetingCancelled' then
  redis.call('DEL', settings_key, KEYS[7])
  if exists then
    redis.call('DEL', room_key)
    publish(nil)
  end
  return 1
end

-- Invitations are kept apart from the room too; each new invitee is told (a job is whole here).
if event_type == 'ParticipantInvited' then
  if redis.call('SADD', KEYS[7], data.userId) == 1 and job ~= '' then
    redis.call('LPUSH', queue_key, job)
  end
  return 1
end
if event_type == 'InvitationRevoked' then
  redis.call('SREM', KEYS[7], data.userId)
  return 1
end

-- Settings are kept apart from the room, which does not exist yet when a meeting is scheduled.
-- A change rewrites only the settings it names.
if event_type == 'MeetingScheduled' then
  redis.call('SET', settings_key, cjson.encode(data.settings))
  return 1
end
if event_type == 'MeetingSettingsChanged' then
  local settings = cjson.decode(redis.call('GET', settings_key) or '{}')
  for _, name in ipairs({ 'muteOnJoin', 'allowChat', 'access', 'lobby' }) do
    if data[name] ~= nil then settings[name] = data[name] end
  end
  redis.call('SET', settings_key, cjson.encode(settings))
  if not exists then return 1 end
end

-- Only these create a room (someone is in it, waits for it, or it started); anything else about
-- a room that does not exist only advanced the guard above.
if not exists and event_type ~= 'MeetingStarted' and event_type ~= 'ParticipantJoined'
    and event_type ~= 'ParticipantWaiting' then
  return 1
end

-- participants: userId -> {role, isMuted, isVideoOn, joinedAt}, kept in 'participant_state'; the
-- seed's 'participants' field is the list of their ids derived from it below.
local status, participants, lobby, is_recording, recording_id = 'waiting', {}, {}, '0', ''
local sfu_node_id = ''
if exists then
  local f = redis.call('HMGET', room_key, 'status', 'participant_state', 'lobby', 'is_recording',
    'recording_id', 'sfu_node_id')
  status = f[1] or 'waiting'
  participants = cjson.decode(f[2] or '{}')
  lobby = cjson.decode(f[3] or '{}')
  is_recording = f[4] or '0'
  recording_id = f[5] or ''
  sfu_node_id = f[6] or ''
else
  redis.call('HSET', room_key, 'meeting_id', meeting_id, 'created_at', at_seconds)
end

local function update(change)
  local p = participants[data.userId]
  if p then
    for k, v in pairs(change) do p[k] = v end
  end
end

if event_type == 'MeetingStarted' then
  status = 'active'
elseif event_type == 'ParticipantJoined' then
  -- A rejoin replaces the old entry: the state is the one the join decided, joinedAt is new.
  participants[data.userId] = {
    role = data.role, isMuted = data.isMuted, isVideoOn = data.isVideoOn, joinedAt = at,
  }
elseif event_type == 'ParticipantLeft' or event_type == 'ParticipantRemoved' then
  participants[data.userId] = nil
elseif event_type == 'ParticipantWaiting' then
  lobby[data.userId] = { waitingSince = at }
elseif event_type == 'ParticipantAdmitted' or event_type == 'ParticipantDenied'
    or event_type == 'ParticipantLeftLobby' then
  lobby[data.userId] = nil
elseif event_type == 'ParticipantMuted' then
  update({ isMuted = true })
elseif event_type == 'ParticipantUnmuted' then
  update({ isMuted = false })
elseif event_type == 'ParticipantVideoTurnedOn' then
  update({ isVideoOn = true })
elseif event_type == 'ParticipantVideoTurnedOff' then
  update({ isVideoOn = false })
elseif event_type == 'ParticipantRoleChanged' then
  update({ role = data.role })
elseif event_type == 'MeetingPlacedOnSfuNode' then
  sfu_node_id = data.sfuNodeId
elseif event_type == 'RecordingStarted' then
  is_recording, recording_id = '1', data.recordingId
elseif event_type == 'RecordingStopped' or event_type == 'RecordingFailed' then
  -- Only the active recording: an earlier, stopped one may still fail while another runs.
  if recording_id == data.recordingId then
    is_recording, recording_id = '0', ''
  end
end

-- Present participants in join order (ties by id): the seed's list and the count.
local ids = {}
for id in pairs(participants) do ids[#ids + 1] = id end
table.sort(ids, function(a, b)
  local ja, jb = participants[a].joinedAt, participants[b].joinedAt
  if ja ~= jb then return ja < jb end
  return a < b
end)

-- cjson writes an empty table as {}, so the empty list is spelled out.
local id_list = '[]'
if #ids > 0 then id_list = cjson.encode(ids) end

redis.call('HSET', room_key,
  'status', status,
  'participants', id_list,
  'participant_state', cjson.encode(participants),
  'participant_count', tostring(#ids),
  'lobby', cjson.encode(lobby),
  'settings', redis.call('GET', settings_key) or '{}',
  'is_recording', is_recording,
  'recording_id', recording_id,
  'sfu_node_id', sfu_node_id,
  'version', ARGV[2],
  'updated_at', at_seconds)
redis.call('EXPIRE', room_key, ARGV[8])

-- One job per invitee not in the room already (by id, for a stable order); the template lacks
-- the recipient and the ':<userId>' that makes its jobId unique.
if event_type == 'MeetingStarted' and job ~= '' then
  local invitees = redis.call('SMEMBERS', KEYS[7])
  table.sort(invitees)
  for _, id in ipairs(invitees) do
    if participants[id] == nil and id ~= data.startedBy then
      local one = cjson.decode(job)
      one.jobId = one.jobId .. ':' .. id
      one.to = { userId = id }
      redis.call('LPUSH', queue_key, cjson.encode(one))
    end
  end
end

local flat = redis.call('HGETALL', room_key)
local room = {}
for i = 1, #flat, 2 do room[flat[i]] = flat[i + 1] end
publish(room)
return 1
`;
