/** The seed's task topics (001): the queue and its dead letters. */
export const TASKS_TOPIC = 'meeting.tasks';
export const TASKS_DLQ_TOPIC = 'meeting.tasks.dlq';
