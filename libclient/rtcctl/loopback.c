/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtcctl loopback: the demo. Two peer connections in this one client,
 * connected to each other through the daemon, every step printed as the
 * daemon reports it:
 *
 *   offer/answer between them, then each side's ICE candidates trickled to
 *   the other with AddIceCandidate as they are gathered (a candidate waits
 *   until the receiving side has a remote description, as W3C requires);
 *   once a channel end opens it sends one text message, and the run is a
 *   success when every end is open and every message arrived as sent.
 *
 * This process is the signalling channel: the two sides' descriptions and
 * candidates pass through it, the data goes through rtcd.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtcctl.h"

#define MAX_CHANNELS 64
/* How long a step's events may take to arrive before the next step. */
#define SETTLE_MS 100
#define DEFAULT_WAIT_S 10

enum side_index { OFFERER, ANSWERER, N_SIDES };

static const char *const side_names[N_SIDES] = { "offerer", "answerer" };

/* A candidate of one side on its way to the other. */
struct candidate {
	struct candidate *next;
	char *candidate;   /* "" = end of candidates */
	char *sdp_mid;
	int32_t sdp_mline_index;
};

struct side {
	rtc_peer_connection *pc;
	/* The peer's candidates, in order, until this side can take them. */
	struct candidate *pending, **pending_tail;
	bool has_remote_description;
	unsigned long candidates_gathered;
	char *connection_state;
};

/* One end of a channel: the offerer's (created here) or the answerer's
 * (announced by its DataChannel event). */
struct channel_end {
	enum side_index side;
	rtc_data_channel *dc;
	char *label;
	char *name;          /* "offerer/chat": the events' and messages' name */
	bool open;
	bool sent;
	bool received;       /* the peer's message arrived, as sent */
};

struct loopback {
	rtc_client *client;
	struct side sides[N_SIDES];
	struct channel_end ends[2 * MAX_CHANNELS];
	unsigned long n_channels;
	unsigned long n_ends;
	/* Why the run cannot succeed; "" while all is well. */
	char failure[256];
};

static void step(const char *what)
{
	printf("== %s\n", what);
	fflush(stdout);
}

static int fail(const char *what, rtc_error *error)
{
	int ret = rtcctl_fail(what, error);

	rtc_error_clear(error);
	return ret;
}

__attribute__((format(printf, 2, 3)))
static void set_failure(struct loopback *lb, const char *fmt, ...)
{
	va_list ap;

	if (lb->failure[0])
		return;
	va_start(ap, fmt);
	vsnprintf(lb->failure, sizeof(lb->failure), fmt, ap);
	va_end(ap);
}

/* The text each end sends; the other end must receive exactly this. */
static char *message_from(const struct channel_end *end)
{
	char *text;

	if (asprintf(&text, "hello from the %s on %s", side_names[end->side], end->label) < 0)
		return NULL;
	return text;
}

static struct channel_end *find_end(struct loopback *lb, const char *path)
{
	for (unsigned long i = 0; path && i < lb->n_ends; i++)
		if (strcmp(rtc_data_channel_get_path(lb->ends[i].dc), path) == 0)
			return &lb->ends[i];
	return NULL;
}

static struct channel_end *peer_end(struct loopback *lb, const struct channel_end *end)
{
	for (unsigned long i = 0; i < lb->n_ends; i++)
		if (lb->ends[i].side != end->side && strcmp(lb->ends[i].label, end->label) == 0)
			return &lb->ends[i];
	return NULL;
}

static enum side_index side_of(struct loopback *lb, const rtc_peer_connection *pc)
{
	return pc == lb->sides[OFFERER].pc ? OFFERER : ANSWERER;
}

/* A new end; its label and name are owned by it. */
static struct channel_end *add_end(struct loopback *lb, enum side_index side,
				   rtc_data_channel *dc, char *label)
{
	struct channel_end *end;

	if (lb->n_ends == 2 * lb->n_channels) {
		set_failure(lb, "more channels than the %lu created", lb->n_channels);
		free(label);
		return NULL;
	}
	end = &lb->ends[lb->n_ends];
	*end = (struct channel_end){ .side = side, .label = label };
	if (asprintf(&end->name, "%s/%s", side_names[side], label) < 0) {
		set_failure(lb, "out of memory");
		free(label);
		return NULL;
	}
	end->dc = rtc_data_channel_ref(dc);
	rtc_data_channel_set_user_data(dc, end->name);
	lb->n_ends++;
	return end;
}

static void queue_candidate(struct loopback *lb, struct side *to, const struct rtc_event *event)
{
	struct candidate *c = calloc(1, sizeof(*c));

	if (!c || !(c->candidate = strdup(event->candidate)) ||
	    !(c->sdp_mid = strdup(event->sdp_mid))) {
		if (c)
			free(c->candidate);
		free(c);
		set_failure(lb, "out of memory");
		return;
	}
	c->sdp_mline_index = event->sdp_mline_index;
	*to->pending_tail = c;
	to->pending_tail = &c->next;
}

static void on_message(struct loopback *lb, const struct rtc_event *event)
{
	struct channel_end *end = find_end(lb, event->path);
	struct channel_end *from = end ? peer_end(lb, end) : NULL;
	char *expected = from ? message_from(from) : NULL;

	if (!end)
		return;
	if (!expected)
		set_failure(lb, "%s: a message before its peer end was known", end->name);
	else if (event->binary)
		set_failure(lb, "%s: expected \"%s\", received a binary message", end->name,
			    expected);
	else if (strcmp(event->data, expected) != 0)
		set_failure(lb, "%s: expected \"%s\", received \"%s\"", end->name, expected,
			    (const char *)event->data);
	else
		end->received = true;
	free(expected);
}

static void on_event(rtc_client *client, const struct rtc_event *event, void *userdata)
{
	struct loopback *lb = userdata;
	struct channel_end *end;

	(void)client;
	rtcctl_print_event(stdout, event);
	switch (event->type) {
	case RTC_EVENT_DISCONNECTED:
		set_failure(lb, "lost the bus: %s", event->error_message);
		break;
	case RTC_EVENT_ICE_CANDIDATE: {
		enum side_index from = side_of(lb, event->peer_connection);

		if (*event->candidate)
			lb->sides[from].candidates_gathered++;
		queue_candidate(lb, &lb->sides[!from], event);
		break;
	}
	case RTC_EVENT_PROPERTY_CHANGED:
		if (event->peer_connection && !event->data_channel && event->value &&
		    strcmp(event->property, "ConnectionState") == 0) {
			struct side *side = &lb->sides[side_of(lb, event->peer_connection)];

			free(side->connection_state);
			side->connection_state = strdup(event->value);
			if (strcmp(event->value, "failed") == 0)
				set_failure(lb, "the %s's connection failed",
					    side_names[side_of(lb, event->peer_connection)]);
		}
		break;
	case RTC_EVENT_DATA_CHANNEL: {
		/* Named at once, so that its Open and Message read as its own;
		 * a call from a callback is fine, events wait for it. */
		rtc_error error = RTC_ERROR_INIT;
		char *label = rtc_data_channel_get_label(event->data_channel, &error);

		if (!label)
			set_failure(lb, "%s: Label: %s", rtc_data_channel_get_path(event->data_channel),
				    error.message ? error.message : "failed");
		else
			add_end(lb, side_of(lb, event->peer_connection), event->data_channel,
				label);
		rtc_error_clear(&error);
		break;
	}
	case RTC_EVENT_OPEN:
		end = find_end(lb, event->path);
		if (end)
			end->open = true;
		break;
	case RTC_EVENT_MESSAGE:
		on_message(lb, event);
		break;
	case RTC_EVENT_CLOSING:
	case RTC_EVENT_CLOSE:
	case RTC_EVENT_ERROR:
		end = find_end(lb, event->path);
		if (end)
			set_failure(lb, "%s %s", end->name,
				    event->type == RTC_EVENT_ERROR ? "reported an error" : "closed");
		break;
	default:
		break;
	}
}

/* Gives each side the candidates it can take now. */
static void forward_candidates(struct loopback *lb)
{
	for (int to = 0; to < N_SIDES; to++) {
		struct side *side = &lb->sides[to];
		struct candidate *c;

		if (!side->has_remote_description)
			continue;
		while ((c = side->pending)) {
			rtc_error error = RTC_ERROR_INIT;

			side->pending = c->next;
			if (!side->pending)
				side->pending_tail = &side->pending;
			printf("   %s -> %s: %s\n", side_names[!to], side_names[to],
			       *c->candidate ? c->candidate : "end of candidates");
			if (rtc_peer_connection_add_ice_candidate(side->pc, c->candidate, c->sdp_mid,
								  c->sdp_mline_index, &error) < 0) {
				set_failure(lb, "AddIceCandidate on the %s: %s (%s)", side_names[to],
					    error.message, error.name);
				rtc_error_clear(&error);
			}
			free(c->candidate);
			free(c->sdp_mid);
			free(c);
		}
	}
	fflush(stdout);
}

/* Each end that opened sends its one message. */
static void send_messages(struct loopback *lb)
{
	for (unsigned long i = 0; i < lb->n_ends; i++) {
		struct channel_end *end = &lb->ends[i];
		rtc_error error = RTC_ERROR_INIT;
		char *text;

		if (!end->open || end->sent)
			continue;
		end->sent = true;
		text = message_from(end);
		if (!text) {
			set_failure(lb, "out of memory");
			continue;
		}
		printf("[%s] send: %s\n", end->name, text);
		fflush(stdout);
		if (rtc_data_channel_send_text(end->dc, text, &error) < 0) {
			set_failure(lb, "%s: Send: %s (%s)", end->name, error.message, error.name);
			rtc_error_clear(&error);
		}
		free(text);
	}
}

/* Dispatches what arrived, then does what it made possible. */
static int pump_once(struct loopback *lb, int timeout_ms)
{
	int r = rtc_client_wait(lb->client, timeout_ms, NULL);

	forward_candidates(lb);
	send_messages(lb);
	return r;
}

/* Runs until nothing arrives for quiet_ms. */
static void settle(struct loopback *lb)
{
	while (pump_once(lb, SETTLE_MS) > 0)
		;
}

static unsigned long count_ends(const struct loopback *lb, bool open)
{
	unsigned long n = 0;

	for (unsigned long i = 0; i < lb->n_ends; i++)
		n += open ? lb->ends[i].open : lb->ends[i].received;
	return n;
}

static bool connected(const struct loopback *lb)
{
	return count_ends(lb, true) == 2 * lb->n_channels &&
	       count_ends(lb, false) == 2 * lb->n_channels;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Until every end is open and every message arrived, a failure, or the
 * deadline. */
static bool wait_connected(struct loopback *lb, unsigned long wait_s)
{
	long long deadline = now_ms() + (long long)wait_s * 1000;

	pump_once(lb, 0);
	while (!connected(lb) && !lb->failure[0]) {
		long long left = deadline - now_ms();

		if (left <= 0 || pump_once(lb, (int)left) < 0)
			break;
	}
	return connected(lb) && !lb->failure[0];
}

/* Creates, prints and applies one side's description. */
static int describe(struct loopback *lb, enum side_index i, const char *type, char **sdp)
{
	rtc_peer_connection *pc = lb->sides[i].pc;
	rtc_error error = RTC_ERROR_INIT;
	char title[64];
	bool offer = strcmp(type, "offer") == 0;

	snprintf(title, sizeof(title), "%s: create %s", side_names[i], type);
	step(title);
	if ((offer ? rtc_peer_connection_create_offer(pc, NULL, sdp, &error)
		   : rtc_peer_connection_create_answer(pc, sdp, &error)) < 0)
		return fail(offer ? "CreateOffer" : "CreateAnswer", &error);
	rtcctl_print_sdp(stdout, "   ", *sdp);

	snprintf(title, sizeof(title), "%s: set local description (%s)", side_names[i], type);
	step(title);
	if (rtc_peer_connection_set_local_description(pc, type, *sdp, &error) < 0)
		return fail("SetLocalDescription", &error);
	settle(lb);
	return RTCCTL_OK;
}

/* Applies the peer's description; the candidates queued for this side go
 * in from the next pump on. `settle_after` lets the events of the step
 * arrive before the next step is printed. */
static int apply_remote(struct loopback *lb, enum side_index i, const char *type,
			const char *sdp, bool settle_after)
{
	rtc_error error = RTC_ERROR_INIT;
	char title[80];

	snprintf(title, sizeof(title), "%s: set remote description (%s), then the %s's candidates",
		 side_names[i], type, side_names[!i]);
	step(title);
	if (rtc_peer_connection_set_remote_description(lb->sides[i].pc, type, sdp, &error) < 0)
		return fail("SetRemoteDescription", &error);
	lb->sides[i].has_remote_description = true;
	if (settle_after)
		settle(lb);
	return RTCCTL_OK;
}

static void print_channel(rtc_data_channel *dc)
{
	rtc_error error = RTC_ERROR_INIT;
	char *label = rtc_data_channel_get_label(dc, &error);
	char *state = label ? rtc_data_channel_get_ready_state(dc, &error) : NULL;
	uint16_t id = 0;
	bool ordered = false;
	char id_text[8];

	if (!state || rtc_data_channel_get_id(dc, &id, &error) < 0 ||
	    rtc_data_channel_get_ordered(dc, &ordered, &error) < 0)
		rtcctl_fail(rtc_data_channel_get_path(dc), &error);
	else
		printf("   channel %s label=%s id=%s ordered=%s ready-state=%s\n",
		       rtc_data_channel_get_path(dc), label,
		       rtcctl_optional_number_text(id, id_text), ordered ? "true" : "false",
		       state);
	rtc_error_clear(&error);
	free(label);
	free(state);
}

static void print_channels(const struct loopback *lb)
{
	for (unsigned long i = 0; i < lb->n_ends; i++)
		print_channel(lb->ends[i].dc);
}

static int create_channels(struct loopback *lb, const char *label)
{
	rtc_error error = RTC_ERROR_INIT;

	step("offerer: create data channels");
	for (unsigned long i = 0; i < lb->n_channels; i++) {
		char *name;
		rtc_data_channel *dc;

		if (lb->n_channels == 1)
			name = strdup(label);
		else if (asprintf(&name, "%s-%lu", label, i + 1) < 0)
			name = NULL;
		if (!name) {
			fputs("rtcctl: out of memory\n", stderr);
			return RTCCTL_FAILED;
		}
		dc = rtc_peer_connection_create_data_channel(lb->sides[OFFERER].pc, name, NULL,
							     &error);
		if (!dc) {
			free(name);
			return fail("CreateDataChannel", &error);
		}
		printf("   %s %s\n", name, rtc_data_channel_get_path(dc));
		add_end(lb, OFFERER, dc, name);
		rtc_data_channel_unref(dc);
		if (lb->failure[0]) {
			fprintf(stderr, "rtcctl: %s\n", lb->failure);
			return RTCCTL_FAILED;
		}
	}
	settle(lb);
	return RTCCTL_OK;
}

static int negotiate(struct loopback *lb, const char *label)
{
	rtc_error error = RTC_ERROR_INIT;
	char *offer = NULL, *answer = NULL;
	int ret;

	step("create peer connections");
	for (int i = 0; i < N_SIDES; i++) {
		lb->sides[i].pc = rtc_client_create_peer_connection(lb->client, NULL, &error);
		if (!lb->sides[i].pc)
			return fail("CreatePeerConnection", &error);
		rtc_peer_connection_set_user_data(lb->sides[i].pc, (void *)side_names[i]);
	}
	printf("   offerer  %s\n   answerer %s\n", rtc_peer_connection_get_path(lb->sides[OFFERER].pc),
	       rtc_peer_connection_get_path(lb->sides[ANSWERER].pc));

	ret = create_channels(lb, label);
	if (ret == RTCCTL_OK)
		ret = describe(lb, OFFERER, "offer", &offer);
	if (ret == RTCCTL_OK)
		ret = apply_remote(lb, ANSWERER, "offer", offer, true);
	if (ret == RTCCTL_OK)
		ret = describe(lb, ANSWERER, "answer", &answer);
	if (ret == RTCCTL_OK) {
		step("negotiated data channel session (from the answer)");
		rtcctl_print_data_session("   ", answer);
		/* What follows is the connection itself: wait_connected's. */
		ret = apply_remote(lb, OFFERER, "answer", answer, false);
	}
	free(offer);
	free(answer);
	return ret;
}

/* The likely reason when a side had nothing to connect with. */
static void hint_no_candidates(const struct loopback *lb)
{
	for (int i = 0; i < N_SIDES; i++)
		if (lb->sides[i].candidates_gathered == 0)
			fprintf(stderr, "rtcctl: the %s gathered no ICE candidate; on a host whose "
				"only interface is loopback, run rtcd with --loopback-candidates\n",
				side_names[i]);
}

/* Says what is missing. */
static void report_timeout(const struct loopback *lb, unsigned long wait_s)
{
	fprintf(stderr, "rtcctl: not connected within %lu s: %lu of %lu channel ends open, "
		"%lu of %lu messages arrived (connection: offerer %s, answerer %s)\n",
		wait_s, count_ends(lb, true), 2 * lb->n_channels, count_ends(lb, false),
		2 * lb->n_channels,
		lb->sides[OFFERER].connection_state ? lb->sides[OFFERER].connection_state : "new",
		lb->sides[ANSWERER].connection_state ? lb->sides[ANSWERER].connection_state : "new");
}

static void loopback_clear(struct loopback *lb)
{
	for (unsigned long i = 0; i < lb->n_ends; i++) {
		rtc_data_channel_unref(lb->ends[i].dc);
		free(lb->ends[i].label);
		free(lb->ends[i].name);
	}
	for (int i = 0; i < N_SIDES; i++) {
		struct side *side = &lb->sides[i];

		while (side->pending) {
			struct candidate *c = side->pending;

			side->pending = c->next;
			free(c->candidate);
			free(c->sdp_mid);
			free(c);
		}
		/* Closing is polite; the daemon would free them when we leave anyway. */
		if (side->pc)
			rtc_peer_connection_close(side->pc, NULL);
		rtc_peer_connection_unref(side->pc);
		free(side->connection_state);
	}
}

int rtcctl_loopback(rtc_client *client, int argc, char **argv)
{
	static const struct option options[] = {
		{ "channels", required_argument, NULL, 'n' },
		{ "label", required_argument, NULL, 'l' },
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct loopback lb = { .client = client, .n_channels = 1 };
	const char *label = "rtcctl";
	unsigned long wait_s = DEFAULT_WAIT_S;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "n:l:w:h", options, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if (!rtcctl_parse_uint(optarg, MAX_CHANNELS, &lb.n_channels) ||
			    lb.n_channels == 0)
				return rtcctl_usage_error("--channels needs 1..%d", MAX_CHANNELS);
			break;
		case 'l':
			label = optarg;
			break;
		case 'w':
			if (!rtcctl_parse_uint(optarg, 3600, &wait_s) || wait_s == 0)
				return rtcctl_usage_error("--wait needs 1..3600 seconds");
			break;
		case 'h':
			printf("Usage: rtcctl loopback [--channels N] [--label LABEL] [--wait SECONDS]\n"
			       "Connects two peer connections through rtcd, trickling ICE candidates\n"
			       "between them, and sends one message each way on every channel.\n"
			       "Exits 0 once every channel end is open and every message arrived;\n"
			       "1 if that takes more than --wait seconds (default %d).\n",
			       DEFAULT_WAIT_S);
			return RTCCTL_OK;
		default:
			fputs("Try 'rtcctl --help'.\n", stderr);
			return RTCCTL_USAGE;
		}
	}
	if (optind != argc)
		return rtcctl_usage_error("loopback takes no arguments");

	for (int i = 0; i < N_SIDES; i++)
		lb.sides[i].pending_tail = &lb.sides[i].pending;
	rtc_client_set_event_callback(client, on_event, &lb);
	ret = negotiate(&lb, label);
	if (ret == RTCCTL_OK) {
		char title[96];

		snprintf(title, sizeof(title),
			 "connecting: up to %lu s for every channel end to open and its message "
			 "to arrive", wait_s);
		step(title);
		if (wait_connected(&lb, wait_s)) {
			step("connected: every channel end is open, every message arrived");
			print_channels(&lb);
		} else {
			if (lb.failure[0])
				fprintf(stderr, "rtcctl: %s\n", lb.failure);
			else
				report_timeout(&lb, wait_s);
			hint_no_candidates(&lb);
			ret = RTCCTL_FAILED;
		}
	}
	rtc_client_set_event_callback(client, NULL, NULL);
	loopback_clear(&lb);
	return ret;
}
