/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SDP (RFC 8866) as WebRTC uses it (RFC 9429 JSEP, RFC 8839 ICE, RFC 8841
 * SCTP, RFC 8842 DTLS, RFC 8843 BUNDLE): a parser, a typed model, builders
 * and a serializer.
 *
 * Every line is kept: the fields WebRTC needs are typed, everything else is
 * held verbatim, so parse(to_string(x)) equals x. Attributes that WebRTC uses
 * are validated while parsing (a bad a=fingerprint is a SyntaxError naming
 * its line) and carry their typed form in struct rtc_sdp_attr.
 *
 * A description lives in one arena: every string and array it points to is
 * freed by rtc_sdp_free(). Read the structs freely; change them only through
 * the builders below (numbers such as media->port may be assigned directly).
 *
 * Parsing is as liberal as libwebrtc's and Firefox's, which real stacks are
 * written against: LF-only line endings, a last line without a line break,
 * blank lines, runs of white space between fields, the lines of a part in
 * any order, unknown attributes and candidate extensions, "ice2,trickle".
 * What cannot be understood is a SyntaxError naming its line. Output always
 * uses CRLF, single spaces and RFC 8866 order.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Input bounds: anything larger is a SyntaxError, never a big allocation. */
#define RTC_SDP_MAX_SIZE        (1024 * 1024)
#define RTC_SDP_MAX_LINE        (64 * 1024)
#define RTC_SDP_MAX_MEDIA       1024

struct rtc_arena;

/* ---- typed attribute values ----------------------------------------- */

enum rtc_sdp_setup {
	RTC_SDP_SETUP_NONE = 0,         /* no a=setup */
	RTC_SDP_SETUP_ACTPASS,
	RTC_SDP_SETUP_ACTIVE,
	RTC_SDP_SETUP_PASSIVE,
	RTC_SDP_SETUP_HOLDCONN,
};

enum rtc_sdp_direction {
	RTC_SDP_DIRECTION_SENDRECV = 0,  /* also the default when absent */
	RTC_SDP_DIRECTION_SENDONLY,
	RTC_SDP_DIRECTION_RECVONLY,
	RTC_SDP_DIRECTION_INACTIVE,
};

/* a=group:<semantics> *(SP <mid>) (RFC 5888; BUNDLE is RFC 8843). */
struct rtc_sdp_group {
	const char *semantics;          /* "BUNDLE", "LS", ... */
	const char **mids;
	size_t n_mids;
};

/* a=fingerprint:<hash-func> <hex:hex:...> (RFC 8122). */
#define RTC_SDP_FINGERPRINT_MAX 64      /* sha-512 */
struct rtc_sdp_fingerprint {
	const char *algorithm;          /* lower-cased: "sha-256" */
	const char *hex;                /* as written: "AB:CD:..." */
	uint8_t digest[RTC_SDP_FINGERPRINT_MAX];
	size_t digest_len;              /* checked against the algorithm */
};

/* a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>] */
struct rtc_sdp_rtpmap {
	uint8_t payload_type;           /* 0..127 */
	const char *encoding;           /* "opus", "VP8", ... as written */
	uint32_t clock_rate;
	uint32_t channels;              /* 0 when absent */
};

/* a=fmtp:<fmt> <parameters> (kept verbatim). */
struct rtc_sdp_fmtp {
	const char *format;             /* "111" */
	const char *parameters;         /* "minptime=10;useinbandfec=1" */
};

/* a=rtcp-fb:<pt or *> <type> [<parameter>] (RFC 4585). */
struct rtc_sdp_rtcp_fb {
	const char *format;             /* "96" or "*" */
	const char *type;               /* "nack", "ccm", "transport-cc", ... */
	const char *parameter;          /* "pli", "fir", ... or NULL */
};

/* a=extmap:<id>[/<direction>] <uri> [<attributes>] (RFC 8285). */
struct rtc_sdp_extmap {
	uint16_t id;                    /* 1..14 one-byte, 1..255 two-byte, 4096-4351 */
	bool has_direction;
	enum rtc_sdp_direction direction;
	const char *uri;
	const char *attributes;         /* NULL when absent */
};

/* a=msid:<stream id> [<track id>] (RFC 8830). */
struct rtc_sdp_msid {
	const char *stream_id;          /* "-" for no stream */
	const char *track_id;           /* NULL when absent */
};

/* a=ssrc:<ssrc> <attribute>[:<value>] (RFC 5576). */
struct rtc_sdp_ssrc {
	uint32_t ssrc;
	const char *attribute;          /* "cname", "msid", ... */
	const char *value;              /* NULL when absent */
};

/* a=ssrc-group:<semantics> *(SP <ssrc>) (RFC 5576). */
struct rtc_sdp_ssrc_group {
	const char *semantics;          /* "FID", "SIM", ... */
	uint32_t *ssrcs;
	size_t n_ssrcs;
};

/* a=sctpmap:<number> <app> [<streams>] (draft-ietf-mmusic-sctp-sdp-05). */
struct rtc_sdp_sctpmap {
	uint16_t number;                /* the SCTP port */
	const char *app;                /* "webrtc-datachannel" */
	uint32_t streams;               /* 0 when absent */
};

/* a=candidate (RFC 8839 section 5.1). */
enum rtc_sdp_candidate_type {
	RTC_SDP_CANDIDATE_HOST,
	RTC_SDP_CANDIDATE_SRFLX,
	RTC_SDP_CANDIDATE_PRFLX,
	RTC_SDP_CANDIDATE_RELAY,
};

enum rtc_sdp_transport {
	RTC_SDP_TRANSPORT_UDP,
	RTC_SDP_TRANSPORT_TCP,
	RTC_SDP_TRANSPORT_OTHER,        /* a transport-extension token */
};

enum rtc_sdp_tcptype {
	RTC_SDP_TCPTYPE_NONE = 0,
	RTC_SDP_TCPTYPE_ACTIVE,
	RTC_SDP_TCPTYPE_PASSIVE,
	RTC_SDP_TCPTYPE_SO,
};

enum rtc_sdp_address_kind {
	RTC_SDP_ADDRESS_IPV4,
	RTC_SDP_ADDRESS_IPV6,
	RTC_SDP_ADDRESS_FQDN,           /* includes mDNS "<uuid>.local" names */
};

struct rtc_sdp_extension {
	const char *name;
	const char *value;
};

struct rtc_sdp_candidate {
	const char *foundation;         /* 1..32 ice-chars */
	uint16_t component;             /* 1..256 */
	const char *transport;          /* as written: "udp", "UDP", "tcp" */
	enum rtc_sdp_transport transport_kind;
	uint32_t priority;
	const char *address;
	enum rtc_sdp_address_kind address_kind;
	uint16_t port;
	enum rtc_sdp_candidate_type type;
	const char *related_address;    /* raddr, NULL when absent */
	bool has_related_port;
	uint16_t related_port;          /* rport */
	enum rtc_sdp_tcptype tcptype;   /* also listed in extensions, in place */
	/* Every "name value" pair after typ/raddr/rport, in order, including
	 * tcptype, generation, ufrag, network-id, network-cost, ... */
	struct rtc_sdp_extension *extensions;
	size_t n_extensions;

	struct rtc_arena *owner;    /* private: set by rtc_sdp_candidate_parse() */
};

/* Which attribute an rtc_sdp_attr is, once validated. */
enum rtc_sdp_attr_kind {
	RTC_SDP_ATTR_OTHER = 0,         /* anything not listed: value verbatim only */
	RTC_SDP_ATTR_MID,               /* value is the mid */
	RTC_SDP_ATTR_GROUP,
	RTC_SDP_ATTR_ICE_UFRAG,         /* value is the ufrag (4..256 ice-chars) */
	RTC_SDP_ATTR_ICE_PWD,           /* value is the password (22..256 ice-chars) */
	RTC_SDP_ATTR_ICE_OPTIONS,       /* value is the option list */
	RTC_SDP_ATTR_ICE_LITE,
	RTC_SDP_ATTR_FINGERPRINT,
	RTC_SDP_ATTR_SETUP,
	RTC_SDP_ATTR_SCTP_PORT,
	RTC_SDP_ATTR_MAX_MESSAGE_SIZE,
	RTC_SDP_ATTR_SCTPMAP,
	RTC_SDP_ATTR_DIRECTION,         /* sendrecv, sendonly, recvonly, inactive */
	RTC_SDP_ATTR_RTCP_MUX,
	RTC_SDP_ATTR_RTCP_RSIZE,
	RTC_SDP_ATTR_RTPMAP,
	RTC_SDP_ATTR_FMTP,
	RTC_SDP_ATTR_RTCP_FB,
	RTC_SDP_ATTR_EXTMAP,
	RTC_SDP_ATTR_MSID,
	RTC_SDP_ATTR_SSRC,
	RTC_SDP_ATTR_SSRC_GROUP,
	RTC_SDP_ATTR_CANDIDATE,
	RTC_SDP_ATTR_END_OF_CANDIDATES,
};

/* One a= line. Serialized as "a=<name>" or "a=<name>:<value>". */
struct rtc_sdp_attr {
	const char *name;
	const char *value;              /* NULL when the line has no ':' */
	unsigned line;                  /* 1-based line in the parsed text, 0 if built */
	enum rtc_sdp_attr_kind kind;
	union {                         /* by kind; the others use value */
		const struct rtc_sdp_group *group;
		const struct rtc_sdp_fingerprint *fingerprint;
		const struct rtc_sdp_rtpmap *rtpmap;
		const struct rtc_sdp_fmtp *fmtp;
		const struct rtc_sdp_rtcp_fb *rtcp_fb;
		const struct rtc_sdp_extmap *extmap;
		const struct rtc_sdp_msid *msid;
		const struct rtc_sdp_ssrc *ssrc;
		const struct rtc_sdp_ssrc_group *ssrc_group;
		const struct rtc_sdp_sctpmap *sctpmap;
		const struct rtc_sdp_candidate *candidate;
		enum rtc_sdp_setup setup;
		enum rtc_sdp_direction direction;
		uint16_t sctp_port;
		uint64_t max_message_size;
	};
};

/* ---- the description ------------------------------------------------ */

/* c=<nettype> <addrtype> <address>; nettype is always "IN". */
struct rtc_sdp_connection {
	const char *addrtype;           /* "IP4" or "IP6" */
	const char *address;            /* verbatim, may carry /ttl/count */
};

/* b=<bwtype>:<bandwidth> */
struct rtc_sdp_bandwidth {
	const char *type;               /* "AS", "TIAS", "CT", ... */
	uint64_t value;
};

/* t=<start> <stop>, followed by its r= lines (verbatim). */
struct rtc_sdp_timing {
	uint64_t start, stop;
	const char **repeats;
	size_t n_repeats, cap_repeats;
};

/* o=<username> <sess-id> <sess-version> IN <addrtype> <address> */
struct rtc_sdp_origin {
	const char *username;           /* "-" when none */
	const char *session_id;         /* 1..20 decimal digits, kept as a string */
	uint64_t session_version;
	const char *addrtype;
	const char *address;
};

enum rtc_sdp_media_kind {
	RTC_SDP_MEDIA_AUDIO,
	RTC_SDP_MEDIA_VIDEO,
	RTC_SDP_MEDIA_APPLICATION,
	RTC_SDP_MEDIA_OTHER,            /* see media->type */
};

/* m=<media> <port>[/<number of ports>] <proto> <fmt> ... and its lines. */
struct rtc_sdp_media {
	const char *type;               /* "audio", "video", "application", ... */
	enum rtc_sdp_media_kind kind;
	uint16_t port;                  /* 0 = rejected (or bundle-only) */
	uint32_t port_count;            /* 0 when "/<n>" is absent */
	const char *proto;              /* "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP", ... */
	const char **fmts;              /* "111", "webrtc-datachannel", "5000" */
	size_t n_fmts, cap_fmts;
	const char *information;        /* i=, NULL when absent */
	struct rtc_sdp_connection *connections;
	size_t n_connections, cap_connections;
	struct rtc_sdp_bandwidth *bandwidths;
	size_t n_bandwidths, cap_bandwidths;
	const char *key;                /* k=, NULL when absent */
	struct rtc_sdp_attr *attrs;
	size_t n_attrs, cap_attrs;
	unsigned line;                  /* line of the m=, 0 if built */
};

struct rtc_sdp_session {
	struct rtc_arena *arena;
	unsigned version;               /* v=, always 0 */
	struct rtc_sdp_origin origin;
	const char *name;               /* s=, "-" when none */
	const char *information;        /* i=, NULL when absent */
	const char *uri;                /* u= */
	const char **emails;            /* e= */
	size_t n_emails, cap_emails;
	const char **phones;            /* p= */
	size_t n_phones, cap_phones;
	struct rtc_sdp_connection *connection;   /* c=, NULL when absent */
	struct rtc_sdp_bandwidth *bandwidths;
	size_t n_bandwidths, cap_bandwidths;
	struct rtc_sdp_timing *timings;           /* at least one */
	size_t n_timings, cap_timings;
	const char *zone;               /* z=, verbatim, NULL when absent */
	const char *key;                /* k= */
	struct rtc_sdp_attr *attrs;
	size_t n_attrs, cap_attrs;
	struct rtc_sdp_media **media;   /* pointers stay valid as media are added */
	size_t n_media, cap_media;
};

/* ---- parse, serialize, compare -------------------------------------- */

/* Parses len bytes of text. Returns 0 and *out (free with rtc_sdp_free), or
 * -1 with a SyntaxError "line N: ..." in *err. */
int rtc_sdp_parse(const char *text, size_t len, struct rtc_sdp_session **out,
		  struct rtc_error *err);
void rtc_sdp_free(struct rtc_sdp_session *session);

/* The description as text with CRLF line endings, in RFC 8866 order; a new
 * string to free(), or NULL when out of memory. */
char *rtc_sdp_to_string(const struct rtc_sdp_session *session);

/* Same fields and attributes in the same order (line numbers ignored). */
bool rtc_sdp_equal(const struct rtc_sdp_session *a, const struct rtc_sdp_session *b);

/* ---- lookups ---------------------------------------------------------- */

/* The next attribute named name after `after` (NULL: the first one), at
 * session level or in media m. Iterate:
 *   for (a = rtc_sdp_media_attr(m, "candidate", NULL); a;
 *        a = rtc_sdp_media_attr(m, "candidate", a)) ... a->candidate ... */
const struct rtc_sdp_attr *rtc_sdp_session_attr(const struct rtc_sdp_session *s,
						const char *name,
						const struct rtc_sdp_attr *after);
const struct rtc_sdp_attr *rtc_sdp_media_attr(const struct rtc_sdp_media *m,
					      const char *name,
					      const struct rtc_sdp_attr *after);

const char *rtc_sdp_media_mid(const struct rtc_sdp_media *m);          /* NULL if none */
struct rtc_sdp_media *rtc_sdp_media_by_mid(const struct rtc_sdp_session *s, const char *mid);
/* The first a=group with these semantics ("BUNDLE"), or NULL. */
const struct rtc_sdp_group *rtc_sdp_group(const struct rtc_sdp_session *s,
					  const char *semantics);

/* These look in media m first, then at session level (Firefox puts
 * fingerprint and ice-options there); m may be NULL for session level only. */
const char *rtc_sdp_ice_ufrag(const struct rtc_sdp_session *s, const struct rtc_sdp_media *m);
const char *rtc_sdp_ice_pwd(const struct rtc_sdp_session *s, const struct rtc_sdp_media *m);
/* Options separated by spaces or commas ("a=ice-options:ice2,trickle"). */
bool rtc_sdp_has_ice_option(const struct rtc_sdp_session *s, const struct rtc_sdp_media *m,
			    const char *option);
const struct rtc_sdp_fingerprint *rtc_sdp_fingerprint(const struct rtc_sdp_session *s,
						      const struct rtc_sdp_media *m);
enum rtc_sdp_setup rtc_sdp_setup(const struct rtc_sdp_session *s, const struct rtc_sdp_media *m);
enum rtc_sdp_direction rtc_sdp_direction(const struct rtc_sdp_session *s,
					 const struct rtc_sdp_media *m);
bool rtc_sdp_ice_lite(const struct rtc_sdp_session *s);

/* Media-level only. */
bool rtc_sdp_media_has(const struct rtc_sdp_media *m, const char *flag);   /* "rtcp-mux" */
bool rtc_sdp_media_sctp_port(const struct rtc_sdp_media *m, uint16_t *port);
bool rtc_sdp_media_max_message_size(const struct rtc_sdp_media *m, uint64_t *size);
const struct rtc_sdp_sctpmap *rtc_sdp_media_sctpmap(const struct rtc_sdp_media *m);
const struct rtc_sdp_rtpmap *rtc_sdp_media_rtpmap(const struct rtc_sdp_media *m,
						  uint8_t payload_type);

const char *rtc_sdp_setup_name(enum rtc_sdp_setup setup);
const char *rtc_sdp_direction_name(enum rtc_sdp_direction direction);
const char *rtc_sdp_candidate_type_name(enum rtc_sdp_candidate_type type);

/* ---- builders ----------------------------------------------------------- */

/* A new description: v=0, o=- 0 0 IN IP4 127.0.0.1, s=-, t=0 0. NULL when
 * out of memory. Builders validate what they are given exactly as the parser
 * would, and return -1 with *err (SyntaxError) rather than write bad SDP. */
struct rtc_sdp_session *rtc_sdp_new(void);

int rtc_sdp_set_origin(struct rtc_sdp_session *s, const char *username,
		       const char *session_id, uint64_t session_version,
		       const char *addrtype, const char *address, struct rtc_error *err);
int rtc_sdp_set_name(struct rtc_sdp_session *s, const char *name, struct rtc_error *err);

/* fmts is the space-separated list: "111 63 9" or "webrtc-datachannel".
 * Returns the new section, or NULL with *err. */
struct rtc_sdp_media *rtc_sdp_add_media(struct rtc_sdp_session *s, const char *type,
					uint16_t port, const char *proto,
					const char *fmts, struct rtc_error *err);

/* m NULL = session level. Sets the one c= line (replacing any). */
int rtc_sdp_set_connection(struct rtc_sdp_session *s, struct rtc_sdp_media *m,
			   const char *addrtype, const char *address,
			   struct rtc_error *err);
int rtc_sdp_add_bandwidth(struct rtc_sdp_session *s, struct rtc_sdp_media *m,
			  const char *type, uint64_t value, struct rtc_error *err);

/* Appends a=<name>[:<value>] (value NULL for a flag), validated and typed
 * like a parsed line. m NULL = session level. */
int rtc_sdp_add_attr(struct rtc_sdp_session *s, struct rtc_sdp_media *m,
		     const char *name, const char *value, struct rtc_error *err);
__attribute__((format(printf, 5, 6)))
int rtc_sdp_add_attrf(struct rtc_sdp_session *s, struct rtc_sdp_media *m,
		      const char *name, struct rtc_error *err, const char *fmt, ...);

/* ---- trickled candidates ------------------------------------------------ */

/* Parses "candidate:..." as W3C RTCIceCandidate.candidate carries it, also
 * with an "a=" prefix or a trailing CRLF. Returns 0 and *out (free with
 * rtc_sdp_candidate_free), or -1 with a SyntaxError. */
int rtc_sdp_candidate_parse(const char *text, size_t len, struct rtc_sdp_candidate **out,
			    struct rtc_error *err);
void rtc_sdp_candidate_free(struct rtc_sdp_candidate *candidate);

/* "candidate:<foundation> <component> ..." without "a=" or CRLF: a new
 * string to free(), NULL when out of memory. Works on any filled-in struct,
 * so the ICE agent can describe its own candidates. */
char *rtc_sdp_candidate_to_string(const struct rtc_sdp_candidate *candidate);
