/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The attributes WebRTC relies on, checked against their grammars and
 * turned into typed values. Everything else stays verbatim (kind OTHER).
 *
 * Fields are separated by runs of SP and HTAB, and white space around a
 * one-word value is not part of it, as libwebrtc and Firefox read them.
 */
#include "engine/sdp/sdp-private.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define SYNTAX(err, ...) rtc_error_set(err, RTC_ERROR_SYNTAX, __VA_ARGS__)

/* RFC 8839 ice-char: ALPHA / DIGIT / "+" / "/". */
static bool is_ice_chars(const char *s, size_t min, size_t max)
{
	size_t len = strlen(s);

	if (len < min || len > max)
		return false;
	for (; *s; s++)
		if (!rtc_sdp_is_ice_char(*s))
			return false;
	return true;
}

static int parse_direction(const char *s, enum rtc_sdp_direction *out)
{
	static const char *const names[] = {
		[RTC_SDP_DIRECTION_SENDRECV] = "sendrecv",
		[RTC_SDP_DIRECTION_SENDONLY] = "sendonly",
		[RTC_SDP_DIRECTION_RECVONLY] = "recvonly",
		[RTC_SDP_DIRECTION_INACTIVE] = "inactive",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum rtc_sdp_direction)i;
			return 0;
		}
	}
	return -1;
}

/* A copy of the value to cut into fields; the typed form points into it. */
static char *copy_value(struct rtc_arena *arena, const struct rtc_sdp_attr *attr,
			struct rtc_error *err)
{
	char *copy = rtc_arena_strdup(arena, attr->value);

	if (!copy)
		rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	return copy;
}

static void *alloc_typed(struct rtc_arena *arena, size_t size, struct rtc_error *err)
{
	void *p = rtc_arena_alloc(arena, size);

	if (!p)
		rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	return p;
}

/* The mid is a token (RFC 8843). rtcd caps it at 32 characters: browsers
 * use one or two, and the RTP MID header extension carries at most 16. */
#define MAX_MID 32

static int parse_mid(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
		     struct rtc_error *err)
{
	if (!rtc_sdp_is_token(attr->value) || strlen(attr->value) > MAX_MID)
		return SYNTAX(err, "a=mid: '%.40s' is not a token of 1 to %d characters",
			      attr->value, MAX_MID);
	return 0;
}

/* A field that may be missing, for messages. */
static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static int parse_group(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
		       struct rtc_error *err)
{
	struct rtc_sdp_group *group;
	char *cursor, *field;
	size_t cap = 0;

	if (!(cursor = copy_value(arena, attr, err)) ||
	    !(group = alloc_typed(arena, sizeof(*group), err)))
		return -1;
	group->semantics = rtc_sdp_next_word(&cursor);
	if (!group->semantics || !rtc_sdp_is_token(group->semantics))
		return SYNTAX(err, "a=group: missing or bad semantics");
	while ((field = rtc_sdp_next_word(&cursor))) {
		if (!rtc_sdp_is_token(field) || strlen(field) > MAX_MID)
			return SYNTAX(err, "a=group: bad mid '%.40s'", field);
		if (rtc_arena_reserve(arena, &group->mids, &cap, group->n_mids,
					  sizeof(*group->mids)) < 0)
			return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
		group->mids[group->n_mids++] = field;
	}
	attr->group = group;
	return 0;
}

static int parse_ice_ufrag(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
			   struct rtc_error *err)
{
	if (!is_ice_chars(attr->value, 4, 256))
		return SYNTAX(err, "a=ice-ufrag: must be 4 to 256 ice-chars (RFC 8839)");
	return 0;
}

static int parse_ice_pwd(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
			 struct rtc_error *err)
{
	if (!is_ice_chars(attr->value, 22, 256))
		return SYNTAX(err, "a=ice-pwd: must be 22 to 256 ice-chars (RFC 8839)");
	return 0;
}

/* RFC 8839 separates the options with spaces; libdatachannel writes
 * "ice2,trickle". Both are read (rtc_sdp_has_ice_option), and an option
 * rtcd does not know is ignored whatever it looks like, as libwebrtc and
 * Firefox ignore it. Only a list with no option at all is refused, as
 * Firefox refuses it. */
static int parse_ice_options(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
			     struct rtc_error *err)
{
	if (!attr->value[strspn(attr->value, RTC_SDP_ICE_OPTION_SEPARATORS)])
		return SYNTAX(err, "a=ice-options: no option");
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* RFC 8122 section 5: the hash functions and their digest sizes. Other
 * hash-func tokens are allowed by the grammar and kept; the DTLS layer
 * decides whether it can check them. */
static const struct {
	const char *name;
	size_t len;
} hash_functions[] = {
	{ "sha-1", 20 }, { "sha-224", 28 }, { "sha-256", 32 },
	{ "sha-384", 48 }, { "sha-512", 64 }, { "md5", 16 }, { "md2", 16 },
};

static int parse_fingerprint(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
			     struct rtc_error *err)
{
	struct rtc_sdp_fingerprint *fp;
	char *cursor, *algorithm, *p;

	if (!(cursor = copy_value(arena, attr, err)) ||
	    !(fp = alloc_typed(arena, sizeof(*fp), err)))
		return -1;
	algorithm = rtc_sdp_next_word(&cursor);
	if (!algorithm || !rtc_sdp_is_token(algorithm))
		return SYNTAX(err, "a=fingerprint: missing hash function");
	for (p = algorithm; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	fp->algorithm = algorithm;
	fp->hex = rtc_sdp_next_word(&cursor);
	if (!fp->hex || cursor)
		return SYNTAX(err, "a=fingerprint: expected '<hash-func> <hex:hex:...>'");

	/* 2HEX *(":" 2HEX) */
	for (p = (char *)fp->hex;;) {
		int hi = hex_digit(p[0]), lo = hi < 0 ? -1 : hex_digit(p[1]);

		if (lo < 0)
			return SYNTAX(err, "a=fingerprint: '%.40s' is not colon-separated hex",
				      fp->hex);
		if (fp->digest_len == RTC_SDP_FINGERPRINT_MAX)
			return SYNTAX(err, "a=fingerprint: longer than %d bytes",
				      RTC_SDP_FINGERPRINT_MAX);
		fp->digest[fp->digest_len++] = (uint8_t)(hi << 4 | lo);
		p += 2;
		if (!*p)
			break;
		if (*p++ != ':')
			return SYNTAX(err, "a=fingerprint: '%.40s' is not colon-separated hex",
				      fp->hex);
	}
	for (size_t i = 0; i < sizeof(hash_functions) / sizeof(hash_functions[0]); i++) {
		if (strcmp(algorithm, hash_functions[i].name) == 0 &&
		    fp->digest_len != hash_functions[i].len)
			return SYNTAX(err, "a=fingerprint: a %s digest has %zu bytes, not %zu",
				      algorithm, hash_functions[i].len, fp->digest_len);
	}
	attr->fingerprint = fp;
	return 0;
}

static int parse_setup(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
		       struct rtc_error *err)
{
	static const char *const roles[] = {
		[RTC_SDP_SETUP_ACTPASS] = "actpass",
		[RTC_SDP_SETUP_ACTIVE] = "active",
		[RTC_SDP_SETUP_PASSIVE] = "passive",
		[RTC_SDP_SETUP_HOLDCONN] = "holdconn",
	};

	/* libwebrtc and Firefox compare the role without case. */
	for (size_t i = RTC_SDP_SETUP_ACTPASS; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (strcasecmp(attr->value, roles[i]) == 0) {
			attr->setup = (enum rtc_sdp_setup)i;
			return 0;
		}
	}
	return SYNTAX(err, "a=setup: '%.40s' is not actpass, active, passive or holdconn",
		      attr->value);
}

static int parse_sctp_port(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
			   struct rtc_error *err)
{
	uint64_t port;

	if (rtc_sdp_parse_uint(attr->value, UINT16_MAX, &port) < 0)
		return SYNTAX(err, "a=sctp-port: '%.40s' is not a port number", attr->value);
	attr->sctp_port = (uint16_t)port;
	return 0;
}

static int parse_max_message_size(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
				  struct rtc_error *err)
{
	if (rtc_sdp_parse_uint(attr->value, UINT64_MAX, &attr->max_message_size) < 0)
		return SYNTAX(err, "a=max-message-size: '%.40s' is not a number", attr->value);
	return 0;
}

static int parse_sctpmap(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
			 struct rtc_error *err)
{
	struct rtc_sdp_sctpmap *map;
	char *cursor, *number, *streams;
	uint64_t v;

	if (!(cursor = copy_value(arena, attr, err)) ||
	    !(map = alloc_typed(arena, sizeof(*map), err)))
		return -1;
	number = rtc_sdp_next_word(&cursor);
	if (!number || rtc_sdp_parse_uint(number, UINT16_MAX, &v) < 0)
		return SYNTAX(err, "a=sctpmap: '%.40s' is not a port number", or_empty(number));
	map->number = (uint16_t)v;
	map->app = rtc_sdp_next_word(&cursor);
	if (!map->app || !rtc_sdp_is_token(map->app))
		return SYNTAX(err, "a=sctpmap: missing application");
	streams = rtc_sdp_next_word(&cursor);
	if (streams) {
		if (cursor || rtc_sdp_parse_uint(streams, UINT16_MAX, &v) < 0)
			return SYNTAX(err, "a=sctpmap: bad stream count");
		map->streams = (uint32_t)v;
	}
	attr->sctpmap = map;
	return 0;
}

static int parse_rtpmap(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
			struct rtc_error *err)
{
	struct rtc_sdp_rtpmap *map;
	char *cursor, *pt, *encoding, *clock, *channels;
	uint64_t v;

	if (!(cursor = copy_value(arena, attr, err)) ||
	    !(map = alloc_typed(arena, sizeof(*map), err)))
		return -1;
	pt = rtc_sdp_next_word(&cursor);
	if (!pt || rtc_sdp_parse_uint(pt, 127, &v) < 0)
		return SYNTAX(err, "a=rtpmap: '%.40s' is not a payload type (0-127)", or_empty(pt));
	map->payload_type = (uint8_t)v;
	encoding = rtc_sdp_next_word(&cursor);
	if (!encoding || cursor)
		return SYNTAX(err, "a=rtpmap: expected '<pt> <encoding>/<clock rate>'");
	clock = strchr(encoding, '/');
	if (!clock)
		return SYNTAX(err, "a=rtpmap: missing clock rate");
	*clock++ = '\0';
	channels = strchr(clock, '/');
	if (channels)
		*channels++ = '\0';
	if (!rtc_sdp_is_token(encoding))
		return SYNTAX(err, "a=rtpmap: bad encoding name");
	if (rtc_sdp_parse_uint(clock, UINT32_MAX, &v) < 0 || v == 0)
		return SYNTAX(err, "a=rtpmap: bad clock rate");
	map->encoding = encoding;
	map->clock_rate = (uint32_t)v;
	if (channels) {
		if (rtc_sdp_parse_uint(channels, UINT32_MAX, &v) < 0 || v == 0)
			return SYNTAX(err, "a=rtpmap: bad channel count");
		map->channels = (uint32_t)v;
	}
	attr->rtpmap = map;
	return 0;
}

static int parse_fmtp(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
		      struct rtc_error *err)
{
	struct rtc_sdp_fmtp *fmtp;
	char *cursor;

	if (!(cursor = copy_value(arena, attr, err)) ||
	    !(fmtp = alloc_typed(arena, sizeof(*fmtp), err)))
		return -1;
	fmtp->format = rtc_sdp_next_word(&cursor);
	if (!fmtp->format || !rtc_sdp_is_token(fmtp->format))
		return SYNTAX(err, "a=fmtp: missing format");
	fmtp->parameters = cursor ? rtc_sdp_trim(cursor) : "";
	attr->fmtp = fmtp;
	return 0;
}

static int parse_rtcp_fb(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
			 struct rtc_error *err)
{
	struct rtc_sdp_rtcp_fb *fb;
	char *cursor;
	uint64_t pt;

	if (!(cursor = copy_value(arena, attr, err)) ||
	    !(fb = alloc_typed(arena, sizeof(*fb), err)))
		return -1;
	fb->format = rtc_sdp_next_word(&cursor);
	if (!fb->format ||
	    (strcmp(fb->format, "*") != 0 && rtc_sdp_parse_uint(fb->format, 127, &pt) < 0))
		return SYNTAX(err, "a=rtcp-fb: '%.40s' is not a payload type or '*'",
			      or_empty(fb->format));
	fb->type = rtc_sdp_next_word(&cursor);
	if (!fb->type || !rtc_sdp_is_token(fb->type))
		return SYNTAX(err, "a=rtcp-fb: missing feedback type");
	/* Pion writes "a=rtcp-fb:96 goog-remb " (trailing space): no parameter. */
	fb->parameter = cursor ? rtc_sdp_trim(cursor) : NULL;
	attr->rtcp_fb = fb;
	return 0;
}

static int parse_extmap(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
			struct rtc_error *err)
{
	struct rtc_sdp_extmap *map;
	char *cursor, *id, *direction;
	uint64_t v;

	if (!(cursor = copy_value(arena, attr, err)) ||
	    !(map = alloc_typed(arena, sizeof(*map), err)))
		return -1;
	id = rtc_sdp_next_word(&cursor);
	if (!id)
		return SYNTAX(err, "a=extmap: '' is not an extension id");
	direction = strchr(id, '/');
	if (direction) {
		*direction++ = '\0';
		if (parse_direction(direction, &map->direction) < 0)
			return SYNTAX(err, "a=extmap: bad direction '%.40s'", direction);
		map->has_direction = true;
	}
	/* RFC 8285: 1-14 (one-byte), up to 255 (two-byte), 4096-4351 in offers. */
	if (rtc_sdp_parse_uint(id, 4351, &v) < 0 || v == 0 || (v > 255 && v < 4096))
		return SYNTAX(err, "a=extmap: '%.40s' is not an extension id", id);
	map->id = (uint16_t)v;
	map->uri = rtc_sdp_next_word(&cursor);
	if (!map->uri || !rtc_sdp_is_word(map->uri))
		return SYNTAX(err, "a=extmap: missing URI");
	map->attributes = cursor ? rtc_sdp_trim(cursor) : NULL;
	attr->extmap = map;
	return 0;
}

/* RFC 8830: msid-id and msid-appdata are 1*64 token-char. */
static bool is_msid_part(const char *s)
{
	return rtc_sdp_is_token(s) && strlen(s) <= 64;
}

static int parse_msid(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
		      struct rtc_error *err)
{
	struct rtc_sdp_msid *msid;
	char *cursor;

	if (!(cursor = copy_value(arena, attr, err)) ||
	    !(msid = alloc_typed(arena, sizeof(*msid), err)))
		return -1;
	msid->stream_id = rtc_sdp_next_word(&cursor);
	if (!msid->stream_id || !is_msid_part(msid->stream_id))
		return SYNTAX(err, "a=msid: bad stream id");
	msid->track_id = rtc_sdp_next_word(&cursor);
	if (msid->track_id && (cursor || !is_msid_part(msid->track_id)))
		return SYNTAX(err, "a=msid: bad track id");
	attr->msid = msid;
	return 0;
}

static int parse_ssrc(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
		      struct rtc_error *err)
{
	struct rtc_sdp_ssrc *ssrc;
	char *cursor, *id, *colon;
	uint64_t v;

	if (!(cursor = copy_value(arena, attr, err)) ||
	    !(ssrc = alloc_typed(arena, sizeof(*ssrc), err)))
		return -1;
	id = rtc_sdp_next_word(&cursor);
	if (!id || rtc_sdp_parse_uint(id, UINT32_MAX, &v) < 0)
		return SYNTAX(err, "a=ssrc: '%.40s' is not a 32-bit SSRC", or_empty(id));
	ssrc->ssrc = (uint32_t)v;
	/* The attribute part is itself "<name>[:<value>]" and the value may
	 * contain spaces ("msid:stream track"): split at the first ':' only. */
	if (!cursor)
		return SYNTAX(err, "a=ssrc: missing source attribute");
	cursor = rtc_sdp_trim(cursor);
	colon = strchr(cursor, ':');
	if (colon) {
		*colon = '\0';
		ssrc->value = colon + 1;
	}
	if (!rtc_sdp_is_token(cursor))
		return SYNTAX(err, "a=ssrc: bad source attribute name");
	ssrc->attribute = cursor;
	attr->ssrc = ssrc;
	return 0;
}

static int parse_ssrc_group(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
			    struct rtc_error *err)
{
	struct rtc_sdp_ssrc_group *group;
	char *cursor, *field;
	size_t cap = 0;
	uint64_t v;

	if (!(cursor = copy_value(arena, attr, err)) ||
	    !(group = alloc_typed(arena, sizeof(*group), err)))
		return -1;
	group->semantics = rtc_sdp_next_word(&cursor);
	if (!group->semantics || !rtc_sdp_is_token(group->semantics))
		return SYNTAX(err, "a=ssrc-group: missing semantics");
	while ((field = rtc_sdp_next_word(&cursor))) {
		if (rtc_sdp_parse_uint(field, UINT32_MAX, &v) < 0)
			return SYNTAX(err, "a=ssrc-group: '%.40s' is not a 32-bit SSRC", field);
		if (rtc_arena_reserve(arena, &group->ssrcs, &cap, group->n_ssrcs,
					  sizeof(*group->ssrcs)) < 0)
			return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
		group->ssrcs[group->n_ssrcs++] = (uint32_t)v;
	}
	attr->ssrc_group = group;
	return 0;
}

static int parse_candidate(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
			   struct rtc_error *err)
{
	struct rtc_sdp_candidate *candidate = alloc_typed(arena, sizeof(*candidate), err);

	if (!candidate || rtc_sdp_candidate_parse_value(arena, attr->value, candidate, err) < 0)
		return -1;
	attr->candidate = candidate;
	return 0;
}

static int parse_direction_flag(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
				struct rtc_error *err)
{
	return parse_direction(attr->name, &attr->direction);
}

/* FLAG: no value. VALUE: a value. WORD: a value of one word, read without
 * the white space around it ("a=mid:0 " is mid 0, as Firefox reads it):
 * the value is kept so. */
enum value_rule { FLAG, VALUE, WORD };

static const struct {
	const char *name;
	enum rtc_sdp_attr_kind kind;
	enum value_rule rule;
	int (*parse)(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
		     struct rtc_error *err);
} known_attrs[] = {
	{ "mid", RTC_SDP_ATTR_MID, WORD, parse_mid },
	{ "group", RTC_SDP_ATTR_GROUP, VALUE, parse_group },
	{ "ice-ufrag", RTC_SDP_ATTR_ICE_UFRAG, WORD, parse_ice_ufrag },
	{ "ice-pwd", RTC_SDP_ATTR_ICE_PWD, WORD, parse_ice_pwd },
	{ "ice-options", RTC_SDP_ATTR_ICE_OPTIONS, VALUE, parse_ice_options },
	{ "ice-lite", RTC_SDP_ATTR_ICE_LITE, FLAG, NULL },
	{ "fingerprint", RTC_SDP_ATTR_FINGERPRINT, VALUE, parse_fingerprint },
	{ "setup", RTC_SDP_ATTR_SETUP, WORD, parse_setup },
	{ "sctp-port", RTC_SDP_ATTR_SCTP_PORT, WORD, parse_sctp_port },
	{ "max-message-size", RTC_SDP_ATTR_MAX_MESSAGE_SIZE, WORD, parse_max_message_size },
	{ "sctpmap", RTC_SDP_ATTR_SCTPMAP, VALUE, parse_sctpmap },
	{ "sendrecv", RTC_SDP_ATTR_DIRECTION, FLAG, parse_direction_flag },
	{ "sendonly", RTC_SDP_ATTR_DIRECTION, FLAG, parse_direction_flag },
	{ "recvonly", RTC_SDP_ATTR_DIRECTION, FLAG, parse_direction_flag },
	{ "inactive", RTC_SDP_ATTR_DIRECTION, FLAG, parse_direction_flag },
	{ "rtcp-mux", RTC_SDP_ATTR_RTCP_MUX, FLAG, NULL },
	{ "rtcp-rsize", RTC_SDP_ATTR_RTCP_RSIZE, FLAG, NULL },
	{ "rtpmap", RTC_SDP_ATTR_RTPMAP, VALUE, parse_rtpmap },
	{ "fmtp", RTC_SDP_ATTR_FMTP, VALUE, parse_fmtp },
	{ "rtcp-fb", RTC_SDP_ATTR_RTCP_FB, VALUE, parse_rtcp_fb },
	{ "extmap", RTC_SDP_ATTR_EXTMAP, VALUE, parse_extmap },
	{ "msid", RTC_SDP_ATTR_MSID, VALUE, parse_msid },
	{ "ssrc", RTC_SDP_ATTR_SSRC, VALUE, parse_ssrc },
	{ "ssrc-group", RTC_SDP_ATTR_SSRC_GROUP, VALUE, parse_ssrc_group },
	{ "candidate", RTC_SDP_ATTR_CANDIDATE, VALUE, parse_candidate },
	{ "end-of-candidates", RTC_SDP_ATTR_END_OF_CANDIDATES, FLAG, NULL },
};

/* The value without the white space around it, in a copy when it had some. */
static int trim_value(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
		      struct rtc_error *err)
{
	size_t len = strlen(attr->value);
	char *copy;

	if (!len || (!rtc_sdp_is_space(attr->value[0]) && !rtc_sdp_is_space(attr->value[len - 1])))
		return 0;
	if (!(copy = copy_value(arena, attr, err)))
		return -1;
	attr->value = rtc_sdp_trim(copy);
	return 0;
}

int rtc_sdp_attr_classify(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
			  struct rtc_error *err)
{
	attr->kind = RTC_SDP_ATTR_OTHER;
	/* A name that is no token is an attribute nobody knows, ignored by
	 * libwebrtc and Firefox alike: kept as it is. Without a name the line
	 * is nothing. */
	if (!*attr->name)
		return SYNTAX(err, "'a=' has no valid attribute name");
	if (attr->value && !rtc_sdp_is_text(attr->value))
		return SYNTAX(err, "a=%s: line break in value", attr->name);

	for (size_t i = 0; i < sizeof(known_attrs) / sizeof(known_attrs[0]); i++) {
		if (strcmp(attr->name, known_attrs[i].name) != 0)
			continue;
		if (known_attrs[i].rule == FLAG && attr->value)
			return SYNTAX(err, "a=%s takes no value", attr->name);
		if (known_attrs[i].rule != FLAG && !attr->value)
			return SYNTAX(err, "a=%s needs a value", attr->name);
		if (known_attrs[i].rule == WORD && trim_value(arena, attr, err) < 0)
			return -1;
		if (known_attrs[i].parse && known_attrs[i].parse(arena, attr, err) < 0)
			return -1;
		attr->kind = known_attrs[i].kind;
		return 0;
	}
	return 0;
}
