/*
 * rdkafka-mock-broker: a Kafka-wire-protocol TEST broker for the project's tests.
 *
 * This is NOT a real Kafka. It is a tiny launcher around librdkafka's built-in mock cluster
 * (rdkafka_mock.h, the in-memory broker librdkafka uses for its own tests): it speaks enough of
 * the protocol for producers, fetches, consumer groups, rebalances and offset commits, but keeps
 * everything in memory, has no CreateTopics/DeleteTopics/DescribeGroups/ListGroups/configs APIs
 * (topics are created by this launcher instead), auto-creates unknown topics with 4 partitions
 * when a client's Metadata request allows it, and forgets everything when it exits. Production
 * and docker compose use a real Kafka; use this only where no real broker can run.
 *
 * Built by scripts/kafka-mock.mjs against librdkafka 2.12 (static), with -DMOCK_EXTRAS.
 *
 * usage: rdkafka-mock-broker [--exit-on-eof] [num_brokers] [topic:partitions ...]
 *   stdout  "CREATED <topic> <n>" for each topic given on the command line, then
 *           "BOOTSTRAP=<host:port>[,<host:port>...]" once every broker listens.
 *   stdin   one command per line; every non-empty line is answered by exactly one line:
 *             create <topic> <partitions>  ->  "CREATED <topic> <n>" or "ERR <topic> <reason>"
 *             anything else                ->  "ERR - <reason>"
 *   --exit-on-eof  exit as soon as stdin reaches end of file. A test harness spawns the broker with
 *           stdin on a pipe: the broker then also goes away when the harness process dies, since
 *           the kernel closes the pipe. Without it, the broker runs until SIGINT or SIGTERM.
 *   exit    0 on a clean shutdown, 1 when the cluster cannot start, 2 on bad arguments.
 *
 * MOCK_EXTRAS (needs librdkafka >= 2.12):
 *   - adds a broker with id 0: the mock answers Metadata with ControllerId 0 whatever brokers
 *     exist, and kafkajs sends InitProducerId (idempotent producers) to the controller;
 *   - sets the initial group rebalance delay to 0 (the mock's default waits 3 s per first join);
 *   - caps LeaveGroup at v2: the mock advertises v0-4 but only decodes the v0-2 layout.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <rdkafka.h>
#include <rdkafka_mock.h>

#define MAX_BROKERS 16
#define MAX_PARTITIONS 10000
#define MAX_TOPIC_LEN 249 /* Kafka's own limit */
#define LINE_MAX_LEN 1024
#define API_KEY_LEAVE_GROUP 13

static volatile sig_atomic_t stop_requested = 0;
static int replication_factor = 1;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

/* Kafka topic names: 1-249 characters of [a-zA-Z0-9._-], and not "." or "..". */
static const char *topic_name_problem(const char *name) {
  size_t len = strlen(name);
  if (len == 0) return "empty topic name";
  if (len > MAX_TOPIC_LEN) return "topic name longer than 249 characters";
  if (!strcmp(name, ".") || !strcmp(name, "..")) return "topic name cannot be '.' or '..'";
  for (const char *c = name; *c; c++) {
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' ||
          *c == '_' || *c == '-'))
      return "topic name may only contain [a-zA-Z0-9._-]";
  }
  return NULL;
}

/* Parses a partition count in [1, MAX_PARTITIONS]; returns -1 when it is not one. */
static int parse_partitions(const char *text) {
  char *end;
  errno = 0;
  long n = strtol(text, &end, 10);
  if (errno || end == text || *end || n < 1 || n > MAX_PARTITIONS) return -1;
  return (int)n;
}

/* Creates a topic and prints exactly one answer line. Returns 0 on success. */
static int create_topic(rd_kafka_mock_cluster_t *mc, const char *topic, const char *partitions_text) {
  const char *problem = topic_name_problem(topic);
  if (problem) {
    printf("ERR %s %s\n", *topic ? topic : "-", problem);
    return -1;
  }
  int partitions = parse_partitions(partitions_text);
  if (partitions < 0) {
    printf("ERR %s partitions must be an integer from 1 to %d, got '%s'\n", topic, MAX_PARTITIONS,
           partitions_text);
    return -1;
  }
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, topic, partitions, replication_factor);
  if (err) {
    printf("ERR %s %s\n", topic, rd_kafka_err2str(err));
    return -1;
  }
  printf("CREATED %s %d\n", topic, partitions);
  return 0;
}

/* Handles one stdin line (without its newline). Empty lines are ignored. */
static void handle_command(rd_kafka_mock_cluster_t *mc, char *line) {
  size_t len = strlen(line);
  if (len && line[len - 1] == '\r') line[--len] = '\0';
  char *words[4];
  int count = 0;
  for (char *word = strtok(line, " \t"); word; word = strtok(NULL, " \t")) {
    if (count == 4) break;
    words[count++] = word;
  }
  if (count == 0) return;
  if (!strcmp(words[0], "create")) {
    if (count != 3)
      printf("ERR %s usage: create <topic> <partitions>\n", count >= 2 ? words[1] : "-");
    else
      create_topic(mc, words[1], words[2]);
  } else {
    printf("ERR - unknown command '%.64s' (known: create <topic> <partitions>)\n", words[0]);
  }
}

/* Reads stdin line by line until end of file, a read error or a stop signal. SIGINT/SIGTERM stay
 * blocked except while pselect() waits (with `waiting_mask`), so a signal can never slip in
 * between the stop check and a blocking read. */
static void serve_stdin(rd_kafka_mock_cluster_t *mc, const sigset_t *waiting_mask) {
  char buf[LINE_MAX_LEN + 1];
  size_t used = 0;
  int discarding = 0; /* inside an over-long line: drop it up to its newline */
  while (!stop_requested) {
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(STDIN_FILENO, &readable);
    if (pselect(STDIN_FILENO + 1, &readable, NULL, NULL, NULL, waiting_mask) < 0) {
      if (errno == EINTR) continue; /* the loop condition sees a stop signal */
      return;
    }
    ssize_t n = read(STDIN_FILENO, buf + used, sizeof buf - 1 - used);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) { /* end of file, or stdin unusable; a last line without its newline still counts */
      if (n == 0 && used && !discarding) {
        buf[used] = '\0';
        handle_command(mc, buf);
      }
      return;
    }
    used += (size_t)n;
    char *start = buf, *newline;
    while ((newline = memchr(start, '\n', used - (size_t)(start - buf)))) {
      *newline = '\0';
      if (discarding)
        discarding = 0;
      else
        handle_command(mc, start);
      start = newline + 1;
    }
    used -= (size_t)(start - buf);
    memmove(buf, start, used);
    if (used == sizeof buf - 1) { /* a line longer than the buffer: answer once, skip the rest */
      if (!discarding) printf("ERR - line longer than %d bytes\n", LINE_MAX_LEN);
      discarding = 1;
      used = 0;
    }
  }
}

static void usage(void) {
  fprintf(stderr, "usage: rdkafka-mock-broker [--exit-on-eof] [num_brokers] [topic:partitions ...]\n");
}

int main(int argc, char **argv) {
  int exit_on_eof = 0, arg = 1, num_brokers = 1;
  if (arg < argc && !strcmp(argv[arg], "--exit-on-eof")) {
    exit_on_eof = 1;
    arg++;
  }
  if (arg < argc && argv[arg][0] >= '0' && argv[arg][0] <= '9') {
    char *end;
    long n = strtol(argv[arg], &end, 10);
    if (*end || n < 1 || n > MAX_BROKERS) {
      fprintf(stderr, "rdkafka-mock-broker: num_brokers must be 1 to %d, got '%s'\n", MAX_BROKERS, argv[arg]);
      usage();
      return 2;
    }
    num_brokers = (int)n;
    arg++;
  }
  setvbuf(stdout, NULL, _IOLBF, 0); /* every answer reaches the harness as soon as it is printed */

  /* SIGINT/SIGTERM stay blocked everywhere (librdkafka's threads inherit the mask) and are only
   * let through while the main thread waits in pselect()/sigsuspend() with `waiting_mask`. */
  sigset_t stop_signals, waiting_mask;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &waiting_mask);
  sigdelset(&waiting_mask, SIGINT);
  sigdelset(&waiting_mask, SIGTERM);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGTERM, &action, NULL);

  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr); /* errors only, on stderr */
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "rdkafka-mock-broker: rd_kafka_new: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, num_brokers);
  if (!mc) {
    fprintf(stderr, "rdkafka-mock-broker: cannot create the mock cluster\n");
    rd_kafka_destroy(rk);
    return 1;
  }
  int total_brokers = num_brokers;
#ifdef MOCK_EXTRAS
  if (rd_kafka_mock_broker_add(mc, 0) == RD_KAFKA_RESP_ERR_NO_ERROR)
    total_brokers++;
  else
    fprintf(stderr, "rdkafka-mock-broker: could not add broker 0; idempotent producers will fail\n");
  rd_kafka_mock_group_initial_rebalance_delay_ms(mc, 0);
  rd_kafka_mock_set_apiversion(mc, API_KEY_LEAVE_GROUP, 0, 2);
#endif
  replication_factor = total_brokers < 3 ? total_brokers : 3;

  int status = 0;
  for (; arg < argc && !status; arg++) {
    char spec[LINE_MAX_LEN];
    snprintf(spec, sizeof spec, "%s", argv[arg]);
    char *colon = strchr(spec, ':');
    if (colon) *colon = '\0';
    if (create_topic(mc, spec, colon ? colon + 1 : "1")) status = 2;
  }

  if (!status) {
    printf("BOOTSTRAP=%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fprintf(stderr, "rdkafka-mock-broker: librdkafka %s mock cluster, %d broker(s), pid %d\n",
            rd_kafka_version_str(), total_brokers, (int)getpid());
    serve_stdin(mc, &waiting_mask);
    if (!exit_on_eof)
      while (!stop_requested) sigsuspend(&waiting_mask);
  }

  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return status;
}
