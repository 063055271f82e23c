/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Data channels on the association's streams: opening them (in-band with
 * DCEP, or negotiated), the messages they carry (RFC 8831 section 6.6 PPIDs),
 * closing them with a stream reset (RFC 8831 section 6.7, RFC 6525), and the
 * send queue in front of usrsctp with the buffered amount it gives.
 *
 * The queue: usrsctp's send buffer is bounded, so what it cannot take yet
 * waits here, in the order it was sent, and is retried after every call into
 * usrsctp (acknowledgements free room only during those). The buffered
 * amount of a channel is what of it waits here.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <usrsctp.h>

#include "common/log.h"
#include "engine/sctp/sctp-private.h"

struct channel *rtc_sctp_channel_get(const struct rtc_sctp *sctp, uint16_t stream)
{
	return stream < sctp->channels_len ? sctp->channels[stream] : NULL;
}

static struct channel *channel_add(struct rtc_sctp *sctp, uint16_t stream)
{
	struct channel *ch;

	if (stream >= sctp->channels_len) {
		uint32_t len = sctp->channels_len ? sctp->channels_len : 16;
		struct channel **channels;

		while (len <= stream)
			len *= 2;
		channels = realloc(sctp->channels, len * sizeof(*channels));
		if (!channels)
			return NULL;
		memset(channels + sctp->channels_len, 0,
		       (len - sctp->channels_len) * sizeof(*channels));
		sctp->channels = channels;
		sctp->channels_len = len;
	}
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return NULL;
	ch->stream = stream;
	sctp->channels[stream] = ch;
	return ch;
}

static void channel_remove(struct rtc_sctp *sctp, struct channel *ch)
{
	sctp->channels[ch->stream] = NULL;
	free(ch);
}

/* Streams usable both ways: RFC 8832 uses one id for both directions. */
static uint32_t stream_limit(const struct rtc_sctp *sctp)
{
	if (sctp->state != ASSOC_UP)
		return RTC_SCTP_MAX_STREAMS;
	return sctp->streams_out < sctp->streams_in ? sctp->streams_out : sctp->streams_in;
}

static int queue_message(struct rtc_sctp *sctp, struct channel *ch, uint32_t ppid,
			 const uint8_t *data, size_t len, struct rtc_error *err)
{
	struct outgoing_message *m = malloc(sizeof(*m) + len);

	if (!m)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	m->stream = ch->stream;
	m->ppid = ppid;
	m->len = len;
	m->sent = 0;
	memcpy(m->data, data, len);
	rtc_list_append(&sctp->send_queue, &m->link);
	/* A stream that was idle starts level with the busy ones: credit
	 * saved while idle would let it hold the others back in a burst. */
	if (ch->queued == 0 && ch->served < sctp->fair_clock)
		ch->served = sctp->fair_clock;
	ch->queued++;
	if (ppid == RTC_SCTP_PPID_STRING || ppid == RTC_SCTP_PPID_BINARY)
		ch->buffered += len;
	return 0;
}

/* Bytes of m that count in its channel's buffered amount. */
static bool counts_as_buffered(const struct outgoing_message *m)
{
	return m->ppid == RTC_SCTP_PPID_STRING || m->ppid == RTC_SCTP_PPID_BINARY;
}

static void unbuffer(struct rtc_sctp *sctp, struct channel *ch, uint64_t bytes)
{
	bool was_above = ch->buffered > ch->low_threshold;

	ch->buffered -= bytes < ch->buffered ? bytes : ch->buffered;
	if (was_above && ch->buffered <= ch->low_threshold)
		rtc_sctp_push_event(sctp, RTC_SCTP_EVENT_BUFFERED_AMOUNT_LOW, ch->stream);
}

static void dequeue(struct rtc_sctp *sctp, struct outgoing_message *m, struct channel *ch)
{
	rtc_list_unlink(&m->link);
	if (ch) {
		if (counts_as_buffered(m))
			unbuffer(sctp, ch, m->len - m->sent);
		ch->queued--;
	}
	free(m);
}

/* Hands one message (or what is left of it) to usrsctp. Returns false when
 * usrsctp has no room: the queue waits for the next call. */
static bool send_one(struct rtc_sctp *sctp, struct outgoing_message *m, struct channel *ch)
{
	struct sctp_sendv_spa spa = { .sendv_flags = SCTP_SEND_SNDINFO_VALID };
	bool dcep = m->ppid == RTC_SCTP_PPID_DCEP;
	ssize_t n;

	spa.sendv_sndinfo.snd_sid = m->stream;
	spa.sendv_sndinfo.snd_ppid = htonl(m->ppid);
	/* usrsctp sets the end of record only once it took all of the rest. */
	spa.sendv_sndinfo.snd_flags = SCTP_EOR;
	/* DCEP goes ordered and reliable; so does user data until the ACK,
	 * lest it overtake the OPEN (RFC 8832 section 6). */
	if (!dcep && !ch->ordered && ch->state != CHANNEL_OPENING)
		spa.sendv_sndinfo.snd_flags |= SCTP_UNORDERED;
	if (!dcep && ch->reliability != RTC_DCEP_RELIABLE) {
		spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
		spa.sendv_prinfo.pr_policy = ch->reliability == RTC_DCEP_PARTIAL_RELIABLE_REXMIT ?
					     SCTP_PR_SCTP_RTX : SCTP_PR_SCTP_TTL;
		spa.sendv_prinfo.pr_value = ch->reliability_param;
	}
	n = usrsctp_sendv(sctp->sock, m->data + m->sent, m->len - m->sent, NULL, 0, &spa,
			  sizeof(spa), SCTP_SENDV_SPA, 0);
	if (n < 0 && (errno == EWOULDBLOCK || errno == EAGAIN))
		return false;
	if (n < 0) {
		rtc_sctp_push_error(sctp, m->stream, RTC_ERROR_OPERATION,
				"sending on stream %u failed: %s", m->stream, strerror(errno));
		dequeue(sctp, m, ch);
		return true;
	}
	if (n == 0)
		return false;
	if (counts_as_buffered(m))
		unbuffer(sctp, ch, (uint64_t)n);
	ch->served += (uint64_t)n;
	m->sent += (size_t)n;
	if (m->sent < m->len)
		return false;
	/* All of it went: buffered was brought down above already. */
	m->sent = m->len;
	dequeue(sctp, m, ch);
	return true;
}

/* One RE-CONFIG request for every channel whose queue has drained. */
static void request_resets(struct rtc_sctp *sctp)
{
	struct sctp_reset_streams *srs;
	uint16_t count = 0;
	size_t size;

	for (uint32_t s = 0; s < sctp->channels_len; s++) {
		struct channel *ch = sctp->channels[s];

		if (ch && ch->reset_wanted && !ch->reset_requested && !ch->out_reset &&
		    ch->queued == 0)
			count++;
	}
	if (!count)
		return;
	size = sizeof(*srs) + count * sizeof(uint16_t);
	srs = calloc(1, size);
	if (!srs)
		return;   /* tried again after the next call */
	srs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
	for (uint32_t s = 0; s < sctp->channels_len; s++) {
		struct channel *ch = sctp->channels[s];

		if (ch && ch->reset_wanted && !ch->reset_requested && !ch->out_reset &&
		    ch->queued == 0)
			srs->srs_stream_list[srs->srs_number_streams++] = ch->stream;
	}
	if (usrsctp_setsockopt(sctp->sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, srs,
			       (socklen_t)size) == 0) {
		for (uint16_t i = 0; i < srs->srs_number_streams; i++)
			sctp->channels[srs->srs_stream_list[i]]->reset_requested = true;
	} else if (errno != EALREADY && errno != EBUSY) {
		/* EALREADY: one request at a time; this one goes after it. */
		rtc_sctp_push_error(sctp, RTC_SCTP_AUTO_STREAM, RTC_ERROR_OPERATION,
				"stream reset failed: %s", strerror(errno));
	}
	free(srs);
}

/* A set of stream ids; channels never use one at or past RTC_SCTP_MAX_STREAMS
 * (stream_limit), and such an id would only ever be "not in the set". */
#define STREAM_SET_WORDS (RTC_SCTP_MAX_STREAMS / 64)

static bool stream_set_has(const uint64_t *set, uint16_t stream)
{
	return stream < RTC_SCTP_MAX_STREAMS && (set[stream / 64] >> (stream % 64) & 1);
}

static void stream_set_add(uint64_t *set, uint16_t stream)
{
	if (stream < RTC_SCTP_MAX_STREAMS)
		set[stream / 64] |= 1ull << (stream % 64);
}

/* The message to offer usrsctp next, or NULL. Streams share usrsctp's send
 * buffer by bytes: the head of the stream that has been handed the fewest
 * goes first (ties: in turn, after the stream served last). Taking turns by
 * message instead gives a channel of 1 KiB messages one message for every
 * 64 KiB one of a bulk channel beside it, and its backlog and latency grow
 * without bound (minutes, in the network lab). usrsctp's own scheduler
 * then shares the wire the same way (fair bandwidth, sctp.c).
 * A message usrsctp took in part comes first and alone: with explicit EOR a
 * message is finished before another stream's may begin. Streams in
 * `refused` had their head refused during this flush. */
static struct outgoing_message *next_to_send(struct rtc_sctp *sctp, const uint64_t *refused)
{
	uint64_t seen[STREAM_SET_WORDS] = { 0 };
	struct outgoing_message *best = NULL;
	uint64_t best_served = UINT64_MAX;
	unsigned best_turn = UINT_MAX;
	struct rtc_list *pos;

	rtc_list_for_each(pos, &sctp->send_queue) {
		struct outgoing_message *m = rtc_container_of(pos, struct outgoing_message, link);
		struct channel *ch;
		uint64_t served;
		unsigned turn;

		if (m->sent > 0)
			return stream_set_has(refused, m->stream) ? NULL : m;
		if (stream_set_has(seen, m->stream))
			continue;       /* not this stream's head */
		stream_set_add(seen, m->stream);
		if (stream_set_has(refused, m->stream))
			continue;
		ch = rtc_sctp_channel_get(sctp, m->stream);
		if (!ch)
			return m;       /* the flush drops it at once */
		served = ch->served;
		/* Turns count from the stream after the last one served. */
		turn = (unsigned)(uint16_t)(m->stream - sctp->last_served - 1);
		if (served < best_served || (served == best_served && turn < best_turn)) {
			best = m;
			best_served = served;
			best_turn = turn;
		}
	}
	return best;
}

void rtc_sctp_channel_flush(struct rtc_sctp *sctp)
{
	uint64_t refused[STREAM_SET_WORDS] = { 0 };
	struct outgoing_message *m;

	while ((m = next_to_send(sctp, refused))) {
		struct channel *ch = rtc_sctp_channel_get(sctp, m->stream);
		uint16_t stream = m->stream;

		if (!ch) {
			dequeue(sctp, m, NULL);
			continue;
		}
		sctp->fair_clock = ch->served;
		if (!send_one(sctp, m, ch)) {
			/* No room (for now) or taken in part: the stream waits
			 * for the next flush, its order kept. */
			if (stream >= RTC_SCTP_MAX_STREAMS)
				break;
			stream_set_add(refused, stream);
			continue;
		}
		sctp->last_served = stream;
	}
	request_resets(sctp);
}

static bool params_are_valid(const struct rtc_sctp_channel_params *p, struct rtc_error *err)
{
	const char *label = p->label ? p->label : "";
	const char *protocol = p->protocol ? p->protocol : "";

	if (p->reliability != RTC_DCEP_RELIABLE &&
	    p->reliability != RTC_DCEP_PARTIAL_RELIABLE_REXMIT &&
	    p->reliability != RTC_DCEP_PARTIAL_RELIABLE_TIMED)
		return rtc_error_set(err, RTC_ERROR_TYPE, "unknown reliability %u",
				     (unsigned)p->reliability) == 0;
	if (p->reliability == RTC_DCEP_RELIABLE && p->reliability_param)
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "a reliable channel takes no reliability parameter") == 0;
	if (strlen(label) > UINT16_MAX || strlen(protocol) > UINT16_MAX)
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "label and protocol are at most 65535 bytes") == 0;
	if (!rtc_dcep_string_is_valid(label, strlen(label)) ||
	    !rtc_dcep_string_is_valid(protocol, strlen(protocol)))
		return rtc_error_set(err, RTC_ERROR_TYPE, "label and protocol must be UTF-8") == 0;
	return true;
}

static int send_open(struct rtc_sctp *sctp, struct channel *ch,
		     const struct rtc_sctp_channel_params *p, struct rtc_error *err)
{
	struct rtc_dcep_open open = {
		.ordered = p->ordered,
		.reliability = p->reliability,
		.reliability_param = p->reliability_param,
		.priority = p->priority ? p->priority : RTC_DCEP_PRIORITY_NORMAL,
		.label = p->label ? p->label : "",
		.protocol = p->protocol ? p->protocol : "",
	};
	uint8_t *buf;
	long len;
	int r;

	open.label_len = (uint16_t)strlen(open.label);
	open.protocol_len = (uint16_t)strlen(open.protocol);
	buf = malloc(rtc_dcep_open_size(&open));
	if (!buf)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	len = rtc_dcep_encode_open(&open, buf, rtc_dcep_open_size(&open), err);
	r = len < 0 ? -1 : queue_message(sctp, ch, RTC_SCTP_PPID_DCEP, buf, (size_t)len, err);
	free(buf);
	return r;
}

static int pick_stream(const struct rtc_sctp *sctp)
{
	uint32_t limit = stream_limit(sctp);

	for (uint32_t s = sctp->config.dtls_client ? 0 : 1; s < limit; s += 2)
		if (!rtc_sctp_channel_get(sctp, (uint16_t)s))
			return (int)s;
	return -1;
}

static int open_channel(struct rtc_sctp *sctp, uint16_t stream,
			const struct rtc_sctp_channel_params *p, struct rtc_error *err)
{
	struct channel *ch;
	int id;

	if (!params_are_valid(p, err))
		return -1;
	if (sctp->state == ASSOC_DOWN)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the SCTP association is closed");
	if (stream == RTC_SCTP_AUTO_STREAM) {
		id = pick_stream(sctp);
		if (id < 0)
			return rtc_error_set(err, RTC_ERROR_OPERATION, "no free SCTP stream");
	} else {
		if (stream >= stream_limit(sctp))
			return rtc_error_set(err, RTC_ERROR_OPERATION,
					     "stream %u is beyond the association's %u streams",
					     stream, stream_limit(sctp));
		if (rtc_sctp_channel_get(sctp, stream))
			return rtc_error_set(err, RTC_ERROR_OPERATION, "stream %u is in use",
					     stream);
		id = stream;
	}
	ch = channel_add(sctp, (uint16_t)id);
	if (!ch)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	ch->ordered = p->ordered;
	ch->reliability = p->reliability;
	ch->reliability_param = p->reliability_param;
	ch->state = p->negotiated ? CHANNEL_OPEN : CHANNEL_OPENING;
	if (!p->negotiated && send_open(sctp, ch, p, err) < 0) {
		channel_remove(sctp, ch);
		return -1;
	}
	return id;
}

int rtc_sctp_open_channel(struct rtc_sctp *sctp, uint64_t now, uint16_t stream,
			  const struct rtc_sctp_channel_params *params, struct rtc_error *err)
{
	int id;

	rtc_sctp_enter(sctp, now);
	id = open_channel(sctp, stream, params, err);
	rtc_sctp_leave(sctp);
	return id;
}

static int send_message(struct rtc_sctp *sctp, uint16_t stream, bool binary,
			const uint8_t *data, size_t len, struct rtc_error *err)
{
	static const uint8_t empty = 0;
	struct channel *ch = rtc_sctp_channel_get(sctp, stream);
	uint64_t limit = RTC_SCTP_MAX_MESSAGE_SIZE;
	uint32_t ppid;

	if (sctp->state == ASSOC_DOWN)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the SCTP association is closed");
	if (!ch)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "no channel on stream %u", stream);
	if (ch->state == CHANNEL_CLOSING)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the channel on stream %u is closing",
				     stream);
	if (sctp->config.remote_max_message_size && sctp->config.remote_max_message_size < limit)
		limit = sctp->config.remote_max_message_size;
	if (len > limit)
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "a message of %zu bytes is over the max-message-size of %llu",
				     len, (unsigned long long)limit);
	/* SCTP has no empty messages: RFC 8831 sends one zero byte with its own PPID. */
	if (len == 0) {
		ppid = binary ? RTC_SCTP_PPID_BINARY_EMPTY : RTC_SCTP_PPID_STRING_EMPTY;
		data = &empty;
		len = 1;
	} else {
		ppid = binary ? RTC_SCTP_PPID_BINARY : RTC_SCTP_PPID_STRING;
	}
	return queue_message(sctp, ch, ppid, data, len, err);
}

int rtc_sctp_send(struct rtc_sctp *sctp, uint64_t now, uint16_t stream, bool binary,
		  const uint8_t *data, size_t len, struct rtc_error *err)
{
	int r;

	rtc_sctp_enter(sctp, now);
	r = send_message(sctp, stream, binary, data, len, err);
	rtc_sctp_leave(sctp);
	return r;
}

int rtc_sctp_send_raw(struct rtc_sctp *sctp, uint64_t now, uint16_t stream, uint32_t ppid,
		      const uint8_t *data, size_t len, struct rtc_error *err)
{
	struct channel *ch = rtc_sctp_channel_get(sctp, stream);
	int r;

	if (!ch)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "no channel on stream %u", stream);
	if (len == 0 || len > RTC_SCTP_MAX_MESSAGE_SIZE)
		return rtc_error_set(err, RTC_ERROR_TYPE, "raw messages are 1 to %u bytes",
				     RTC_SCTP_MAX_MESSAGE_SIZE);
	rtc_sctp_enter(sctp, now);
	r = queue_message(sctp, ch, ppid, data, len, err);
	rtc_sctp_leave(sctp);
	return r;
}

static void channel_closed(struct rtc_sctp *sctp, struct channel *ch)
{
	rtc_sctp_push_event(sctp, RTC_SCTP_EVENT_CHANNEL_CLOSED, ch->stream);
	channel_remove(sctp, ch);
}

int rtc_sctp_close_channel(struct rtc_sctp *sctp, uint64_t now, uint16_t stream,
			   struct rtc_error *err)
{
	struct channel *ch = rtc_sctp_channel_get(sctp, stream);

	if (!ch)
		return rtc_error_set(err, RTC_ERROR_NOT_FOUND, "no channel on stream %u", stream);
	rtc_sctp_enter(sctp, now);
	if (sctp->state != ASSOC_UP) {
		/* Nothing went out on the stream yet: nothing to reset. */
		channel_closed(sctp, ch);
	} else if (ch->state != CHANNEL_CLOSING) {
		ch->state = CHANNEL_CLOSING;
		ch->reset_wanted = true;
	}
	rtc_sctp_leave(sctp);
	return 0;
}

void rtc_sctp_channel_stream_reset(struct rtc_sctp *sctp, uint16_t stream, bool incoming,
			       bool failed)
{
	struct channel *ch = rtc_sctp_channel_get(sctp, stream);

	if (!ch)
		return;
	if (incoming && !failed && !ch->in_reset) {
		ch->in_reset = true;
		/* RFC 8831 section 6.7: the peer closed; reset ours in turn. */
		if (ch->state != CHANNEL_CLOSING) {
			ch->state = CHANNEL_CLOSING;
			ch->reset_wanted = true;
			rtc_sctp_push_event(sctp, RTC_SCTP_EVENT_CHANNEL_CLOSING, stream);
		}
	} else if (!incoming && ch->reset_requested) {
		/* Denied or failed: ask again after the next call. */
		ch->reset_requested = false;
		ch->out_reset = !failed;
	}
	if (ch->in_reset && ch->out_reset)
		channel_closed(sctp, ch);
}

void rtc_sctp_channel_close_all(struct rtc_sctp *sctp)
{
	for (uint32_t s = 0; s < sctp->channels_len; s++)
		if (sctp->channels[s])
			channel_closed(sctp, sctp->channels[s]);
}

void rtc_sctp_channel_free_all(struct rtc_sctp *sctp)
{
	for (uint32_t s = 0; s < sctp->channels_len; s++)
		free(sctp->channels[s]);
	free(sctp->channels);
	sctp->channels = NULL;
	sctp->channels_len = 0;
}

static void push_opened(struct rtc_sctp *sctp, uint16_t stream, const struct rtc_dcep_open *o)
{
	struct queued_event *e = rtc_sctp_push_event(sctp, RTC_SCTP_EVENT_CHANNEL_OPENED, stream);
	char *strings;

	if (!e)
		return;
	/* label NUL protocol NUL, owned by the event. */
	strings = malloc((size_t)o->label_len + o->protocol_len + 2);
	if (!strings) {
		rtc_list_unlink(&e->link);
		free(e);
		rtc_sctp_push_error(sctp, stream, RTC_ERROR_OPERATION, "out of memory");
		return;
	}
	memcpy(strings, o->label, o->label_len);
	strings[o->label_len] = '\0';
	memcpy(strings + o->label_len + 1, o->protocol, o->protocol_len);
	strings[o->label_len + 1 + o->protocol_len] = '\0';
	e->owned = strings;
	e->event.params = (struct rtc_sctp_channel_params){
		.label = strings,
		.protocol = strings + o->label_len + 1,
		.ordered = o->ordered,
		.reliability = o->reliability,
		.reliability_param = o->reliability_param,
		.priority = o->priority,
		.negotiated = false,
	};
}

static void on_dcep(struct rtc_sctp *sctp, uint16_t stream, const uint8_t *data, size_t len)
{
	struct channel *ch = rtc_sctp_channel_get(sctp, stream);
	struct rtc_dcep_message msg;
	struct rtc_error err = { 0 };
	uint8_t ack[1];

	if (rtc_dcep_decode(data, len, &msg, &err) < 0) {
		rtc_sctp_push_error(sctp, stream, RTC_ERROR_SYNTAX, "stream %u: %s", stream,
				err.message);
		return;
	}
	if (msg.type == RTC_DCEP_ACK) {
		if (ch && ch->state == CHANNEL_OPENING) {
			ch->state = CHANNEL_OPEN;
			rtc_sctp_push_event(sctp, RTC_SCTP_EVENT_CHANNEL_ACKED, stream);
		}
		return;
	}
	if (ch) {
		rtc_sctp_push_error(sctp, stream, RTC_ERROR_OPERATION,
				"DATA_CHANNEL_OPEN on stream %u, which is in use", stream);
		return;
	}
	ch = channel_add(sctp, stream);
	if (!ch) {
		rtc_sctp_push_error(sctp, stream, RTC_ERROR_OPERATION, "out of memory");
		return;
	}
	ch->state = CHANNEL_OPEN;
	ch->ordered = msg.open.ordered;
	ch->reliability = msg.open.reliability;
	ch->reliability_param = msg.open.reliability_param;
	if (queue_message(sctp, ch, RTC_SCTP_PPID_DCEP, ack,
			  (size_t)rtc_dcep_encode_ack(ack, sizeof(ack)), &err) < 0) {
		channel_remove(sctp, ch);
		rtc_sctp_push_error(sctp, stream, err.kind, "%s", err.message);
		return;
	}
	push_opened(sctp, stream, &msg.open);
}

void rtc_sctp_channel_message(struct rtc_sctp *sctp, uint16_t stream, uint32_t ppid,
			  uint8_t *data, size_t len)
{
	struct channel *ch = rtc_sctp_channel_get(sctp, stream);
	struct queued_event *e;
	bool binary;

	switch (ppid) {
	case RTC_SCTP_PPID_DCEP:
		on_dcep(sctp, stream, data, len);
		free(data);
		return;
	case RTC_SCTP_PPID_STRING:
	case RTC_SCTP_PPID_STRING_EMPTY:
		binary = false;
		break;
	case RTC_SCTP_PPID_BINARY:
	case RTC_SCTP_PPID_BINARY_EMPTY:
		binary = true;
		break;
	default:
		/* 52 and 54 (partial string/binary) were deprecated before any
		 * stack we talk to stopped sending them whole. */
		rtc_sctp_push_error(sctp, stream, RTC_ERROR_NOT_SUPPORTED,
				"message with PPID %u on stream %u dropped", ppid, stream);
		free(data);
		return;
	}
	if (!ch || ch->in_reset) {
		rtc_sctp_push_error(sctp, stream, RTC_ERROR_OPERATION,
				"message on stream %u, which has no open channel, dropped", stream);
		free(data);
		return;
	}
	/* A message before the ACK means the peer has the channel open
	 * (RFC 8832 section 6): the ACK is on its way, ordered behind it. */
	if (ch->state == CHANNEL_OPENING) {
		ch->state = CHANNEL_OPEN;
		rtc_sctp_push_event(sctp, RTC_SCTP_EVENT_CHANNEL_ACKED, stream);
	}
	e = rtc_sctp_push_event(sctp, RTC_SCTP_EVENT_MESSAGE, stream);
	if (!e) {
		free(data);
		return;
	}
	e->owned = data;
	e->event.binary = binary;
	e->event.data = data;
	e->event.len = ppid == RTC_SCTP_PPID_STRING || ppid == RTC_SCTP_PPID_BINARY ? len : 0;
}

uint64_t rtc_sctp_buffered_amount(const struct rtc_sctp *sctp, uint16_t stream)
{
	const struct channel *ch = rtc_sctp_channel_get(sctp, stream);

	return ch ? ch->buffered : 0;
}

int rtc_sctp_set_buffered_amount_low_threshold(struct rtc_sctp *sctp, uint16_t stream,
					       uint64_t threshold)
{
	struct channel *ch = rtc_sctp_channel_get(sctp, stream);

	if (!ch)
		return -1;
	ch->low_threshold = threshold;
	return 0;
}
