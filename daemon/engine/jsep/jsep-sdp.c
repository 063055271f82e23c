/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parts of SDP that offers and answers share: reading what a section
 * means for transport and data channels, and writing our own sections.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine/jsep/jsep-private.h"

const struct rtc_sdp_session *jsep_latest_local(const struct rtc_jsep *jsep)
{
	return jsep->pending_local.sdp ? jsep->pending_local.sdp : jsep->current_local.sdp;
}

bool jsep_media_is_active(const struct rtc_sdp_media *m)
{
	return m->port != 0 || rtc_sdp_media_has(m, "bundle-only");
}

bool jsep_media_is_legacy_data(const struct rtc_sdp_media *m)
{
	const struct rtc_sdp_sctpmap *map = rtc_sdp_media_sctpmap(m);

	return m->kind == RTC_SDP_MEDIA_APPLICATION && strcmp(m->proto, "DTLS/SCTP") == 0 &&
	       map && strcmp(map->app, "webrtc-datachannel") == 0;
}

bool jsep_media_is_data(const struct rtc_sdp_media *m)
{
	if (m->kind != RTC_SDP_MEDIA_APPLICATION)
		return false;
	if (jsep_media_is_legacy_data(m))
		return true;
	if (strcmp(m->proto, "UDP/DTLS/SCTP") != 0 && strcmp(m->proto, "TCP/DTLS/SCTP") != 0)
		return false;
	for (size_t i = 0; i < m->n_fmts; i++)
		if (strcmp(m->fmts[i], "webrtc-datachannel") == 0)
			return true;
	return false;
}

const struct rtc_sdp_media *jsep_transport_media(const struct rtc_sdp_session *s,
						 const struct rtc_sdp_media *m)
{
	const char *mid = rtc_sdp_media_mid(m);
	const struct rtc_sdp_attr *a;

	if (rtc_sdp_media_attr(m, "ice-ufrag", NULL) || !mid)
		return m;
	for (a = rtc_sdp_session_attr(s, "group", NULL); a; a = rtc_sdp_session_attr(s, "group", a)) {
		const struct rtc_sdp_group *g = a->group;

		if (a->kind != RTC_SDP_ATTR_GROUP || strcmp(g->semantics, "BUNDLE") != 0 ||
		    g->n_mids == 0)
			continue;
		for (size_t i = 0; i < g->n_mids; i++) {
			if (strcmp(g->mids[i], mid) == 0) {
				const struct rtc_sdp_media *tag = rtc_sdp_media_by_mid(s, g->mids[0]);

				return tag ? tag : m;
			}
		}
	}
	return m;
}

uint16_t jsep_media_sctp_port(const struct rtc_sdp_media *m)
{
	const struct rtc_sdp_sctpmap *map;
	uint16_t port;

	if (rtc_sdp_media_sctp_port(m, &port))
		return port;
	map = rtc_sdp_media_sctpmap(m);
	if (map)
		return map->number;
	return JSEP_SCTP_PORT;
}

static void copy_ice(const struct rtc_sdp_session *s, struct rtc_ice_credentials *out)
{
	const char *ufrag = rtc_sdp_ice_ufrag(s, NULL), *pwd = rtc_sdp_ice_pwd(s, NULL);

	for (size_t i = 0; (!ufrag || !pwd) && i < s->n_media; i++) {
		ufrag = rtc_sdp_ice_ufrag(s, s->media[i]);
		pwd = rtc_sdp_ice_pwd(s, s->media[i]);
	}
	/* Our own descriptions carry our credentials verbatim, so they fit. */
	if (ufrag && pwd && strlen(ufrag) < sizeof(out->ufrag) && strlen(pwd) < sizeof(out->pwd)) {
		strcpy(out->ufrag, ufrag);
		strcpy(out->pwd, pwd);
	}
}

void jsep_local_ice(const struct rtc_jsep *jsep, struct rtc_ice_credentials *out)
{
	const struct rtc_sdp_session *latest = jsep_latest_local(jsep);

	*out = jsep->initial_ice;
	if (latest)
		copy_ice(latest, out);
}

/* snprintf into a fixed field; the values were checked against the field
 * sizes by jsep_validate_remote() (credentials, mid) or are ours. */
#define COPY_FIELD(field, value) snprintf(field, sizeof(field), "%s", value)

/* The peer's or our ICE credentials and fingerprint for section m. */
static void read_transport(const struct rtc_sdp_session *s, const struct rtc_sdp_media *m,
			   char *ufrag, size_t ufrag_size, char *pwd, size_t pwd_size,
			   const struct rtc_sdp_fingerprint **fingerprint)
{
	const struct rtc_sdp_media *t = jsep_transport_media(s, m);
	const char *u = rtc_sdp_ice_ufrag(s, t), *p = rtc_sdp_ice_pwd(s, t);

	snprintf(ufrag, ufrag_size, "%s", u ? u : "");
	snprintf(pwd, pwd_size, "%s", p ? p : "");
	if (fingerprint)
		*fingerprint = rtc_sdp_fingerprint(s, t);
}

bool jsep_read_sctp_session(const struct rtc_sdp_session *offer,
			    const struct rtc_sdp_session *answer, bool we_offered,
			    struct rtc_jsep_sctp_session *out)
{
	const struct rtc_sdp_session *local = we_offered ? offer : answer;
	const struct rtc_sdp_session *remote = we_offered ? answer : offer;
	const struct rtc_sdp_fingerprint *fp = NULL;
	struct rtc_jsep_sctp_session session = { 0 };
	const struct rtc_sdp_media *lm = NULL, *rm = NULL;
	enum rtc_sdp_setup answer_setup;
	uint64_t size;
	size_t i;

	/* Answers have the offer's sections in the offer's order. */
	for (i = 0; i < answer->n_media && i < offer->n_media; i++) {
		if (jsep_media_is_data(answer->media[i]) && jsep_media_is_active(answer->media[i]) &&
		    jsep_media_is_data(offer->media[i]))
			break;
	}
	if (i == answer->n_media || i == offer->n_media)
		return false;
	lm = local->media[i];
	rm = remote->media[i];

	COPY_FIELD(session.mid, rtc_sdp_media_mid(answer->media[i]) ?
					rtc_sdp_media_mid(answer->media[i]) : "");
	/* The answerer picks the roles (RFC 8842 section 5.3); an absent
	 * a=setup means active (RFC 4145 section 4). */
	answer_setup = rtc_sdp_setup(answer, jsep_transport_media(answer, answer->media[i]));
	if (answer_setup == RTC_SDP_SETUP_NONE)
		answer_setup = RTC_SDP_SETUP_ACTIVE;
	session.dtls_client = (answer_setup == RTC_SDP_SETUP_ACTIVE) != we_offered;

	session.local_port = jsep_media_sctp_port(lm);
	session.remote_port = jsep_media_sctp_port(rm);
	/* RFC 8841 section 6: 0 means the peer takes messages of any size. */
	if (!rtc_sdp_media_max_message_size(rm, &size))
		size = JSEP_DEFAULT_REMOTE_MAX_MESSAGE_SIZE;
	session.remote_max_message_size = size == 0 ? UINT64_MAX : size;

	read_transport(remote, rm, session.remote_ice_ufrag, sizeof(session.remote_ice_ufrag),
		       session.remote_ice_pwd, sizeof(session.remote_ice_pwd), &fp);
	if (fp) {
		COPY_FIELD(session.remote_fingerprint_algorithm, fp->algorithm);
		COPY_FIELD(session.remote_fingerprint, fp->hex);
	}
	read_transport(local, lm, session.local_ice_ufrag, sizeof(session.local_ice_ufrag),
		       session.local_ice_pwd, sizeof(session.local_ice_pwd), NULL);
	*out = session;
	return true;
}

static int add_bundle_group(struct rtc_sdp_session *s, const struct jsep_plan *plan,
			    struct rtc_error *err)
{
	size_t len = sizeof("BUNDLE");
	char *value, *p;
	int ret;

	for (size_t i = 0; i < plan->n_sections; i++)
		if (!plan->sections[i].rejected)
			len += strlen(plan->sections[i].mid) + 1;
	value = malloc(len);
	if (!value)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	p = value + sprintf(value, "BUNDLE");
	for (size_t i = 0; i < plan->n_sections; i++)
		if (!plan->sections[i].rejected)
			p += sprintf(p, " %s", plan->sections[i].mid);
	ret = rtc_sdp_add_attr(s, NULL, "group", value, err);
	free(value);
	return ret;
}

static int add_session_lines(const struct rtc_jsep *jsep, struct rtc_sdp_session *s,
			     const struct jsep_plan *plan, struct rtc_error *err)
{
	bool any_active = false;

	for (size_t i = 0; i < plan->n_sections; i++)
		any_active |= !plan->sections[i].rejected;
	/* The version is settled in finish(), once the text is known. */
	if (rtc_sdp_set_origin(s, "-", jsep->session_id, 0, "IP4", "127.0.0.1", err) < 0)
		return -1;
	if (plan->bundle && any_active && add_bundle_group(s, plan, err) < 0)
		return -1;
	if (rtc_sdp_add_attr(s, NULL, "msid-semantic", "WMS *", err) < 0 ||
	    rtc_sdp_add_attr(s, NULL, "ice-options", "trickle", err) < 0)
		return -1;
	return 0;
}

int jsep_add_transport_lines(const struct rtc_jsep *jsep, struct rtc_sdp_session *s,
			     struct rtc_sdp_media *m, const struct jsep_plan *plan,
			     struct rtc_error *err)
{
	if (rtc_sdp_add_attr(s, m, "ice-ufrag", plan->ice.ufrag, err) < 0 ||
	    rtc_sdp_add_attr(s, m, "ice-pwd", plan->ice.pwd, err) < 0 ||
	    rtc_sdp_add_attrf(s, m, "fingerprint", err, "%s %s",
			      rtc_cert_fingerprint_algorithm(jsep->cert),
			      rtc_cert_fingerprint(jsep->cert)) < 0 ||
	    rtc_sdp_add_attr(s, m, "setup", rtc_sdp_setup_name(plan->setup), err) < 0)
		return -1;
	return 0;
}

static int add_data_section(const struct rtc_jsep *jsep, struct rtc_sdp_session *s,
			    const struct jsep_plan *plan, const struct jsep_section *section,
			    struct rtc_error *err)
{
	const struct rtc_sdp_media *legacy = section->legacy_from;
	struct rtc_sdp_media *m;
	char fmt[8];

	/* Port 9 (discard) until ICE supplies candidates (RFC 9429 5.2.1). */
	if (legacy) {
		snprintf(fmt, sizeof(fmt), "%u", JSEP_SCTP_PORT);
		m = rtc_sdp_add_media(s, "application", 9, legacy->proto, fmt, err);
	} else {
		m = rtc_sdp_add_media(s, "application", 9, "UDP/DTLS/SCTP", "webrtc-datachannel",
				      err);
	}
	if (!m)
		return -1;
	if (rtc_sdp_set_connection(s, m, "IP4", "0.0.0.0", err) < 0 ||
	    jsep_add_transport_lines(jsep, s, m, plan, err) < 0 ||
	    rtc_sdp_add_attr(s, m, "mid", section->mid, err) < 0)
		return -1;
	if (legacy) {
		/* The old form's third field is the stream count; 1024 as
		 * browsers wrote it. */
		if (rtc_sdp_add_attrf(s, m, "sctpmap", err, "%u webrtc-datachannel 1024",
				      JSEP_SCTP_PORT) < 0)
			return -1;
	} else if (rtc_sdp_add_attrf(s, m, "sctp-port", err, "%u", JSEP_SCTP_PORT) < 0) {
		return -1;
	}
	return rtc_sdp_add_attrf(s, m, "max-message-size", err, "%u", RTC_JSEP_MAX_MESSAGE_SIZE);
}

/* Port 0, same type, proto and formats and the a=mid (RFC 9429 section
 * 5.3.1 for answers, 5.2.2 for re-offers). Beyond what RFC 3264 asks, the
 * section also carries our transport lines and the offer's rtpmaps, as
 * libwebrtc writes it: aiortc refuses any section without ICE credentials
 * (or, for RTP, rtcp-mux), and Pion one whose dynamic payload types have
 * no rtpmap. */
static int add_rejected_section(const struct rtc_jsep *jsep, struct rtc_sdp_session *s,
				const struct rtc_sdp_media *m, const struct jsep_plan *plan,
				struct rtc_error *err)
{
	const char *mid = rtc_sdp_media_mid(m);
	struct rtc_sdp_media *copy;
	size_t len = 1;
	char *fmts, *p;

	for (size_t i = 0; i < m->n_fmts; i++)
		len += strlen(m->fmts[i]) + 1;
	fmts = malloc(len);
	if (!fmts)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	p = fmts;
	*p = '\0';
	for (size_t i = 0; i < m->n_fmts; i++)
		p += sprintf(p, "%s%s", i ? " " : "", m->fmts[i]);

	copy = rtc_sdp_add_media(s, m->type, 0, m->proto, fmts, err);
	free(fmts);
	if (!copy)
		return -1;
	/* Our session has no c= line, so every section needs its own. */
	if (rtc_sdp_set_connection(s, copy, "IP4", "0.0.0.0", err) < 0)
		return -1;
	if (jsep_add_transport_lines(jsep, s, copy, plan, err) < 0 ||
	    (mid && rtc_sdp_add_attr(s, copy, "mid", mid, err) < 0))
		return -1;
	/* aiortc also insists on rtcp-mux in every RTP section. */
	if (strstr(m->proto, "RTP") && rtc_sdp_add_attr(s, copy, "rtcp-mux", NULL, err) < 0)
		return -1;
	for (const struct rtc_sdp_attr *a = rtc_sdp_media_attr(m, "rtpmap", NULL); a;
	     a = rtc_sdp_media_attr(m, "rtpmap", a))
		if (a->value && rtc_sdp_add_attr(s, copy, "rtpmap", a->value, err) < 0)
			return -1;
	return 0;
}

/* RFC 9429 section 5.2.2: the o= version goes up only when something
 * changed since the last local description. */
static char *serialize_versioned(const struct rtc_jsep *jsep, struct rtc_sdp_session *s)
{
	const struct jsep_description *latest =
		jsep->pending_local.text ? &jsep->pending_local : &jsep->current_local;
	char *text;

	if (!latest->text) {
		s->origin.session_version = JSEP_FIRST_SESSION_VERSION;
		return rtc_sdp_to_string(s);
	}
	s->origin.session_version = latest->sdp->origin.session_version;
	text = rtc_sdp_to_string(s);
	if (!text || strcmp(text, latest->text) == 0)
		return text;
	free(text);
	s->origin.session_version++;
	return rtc_sdp_to_string(s);
}

int jsep_plan_write(const struct rtc_jsep *jsep, const struct jsep_plan *plan, char **out,
		    struct rtc_error *err)
{
	struct rtc_sdp_session *s = rtc_sdp_new();
	int ret = -1;

	if (!s)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	if (add_session_lines(jsep, s, plan, err) < 0)
		goto out;
	for (size_t i = 0; i < plan->n_sections; i++) {
		const struct jsep_section *section = &plan->sections[i];

		if (section->rejected)
			ret = add_rejected_section(jsep, s, section->rejected, plan, err);
		else if (section->transceiver)
			ret = jsep_add_media_section(jsep, s, plan, section, err);
		else
			ret = add_data_section(jsep, s, plan, section, err);
		if (ret < 0)
			goto out;
		ret = -1;
	}
	*out = serialize_versioned(jsep, s);
	if (!*out) {
		rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
		goto out;
	}
	ret = 0;
out:
	rtc_sdp_free(s);
	return ret;
}

int jsep_transport_index(const struct rtc_sdp_session *s)
{
	const struct rtc_sdp_group *bundle = s ? rtc_sdp_group(s, "BUNDLE") : NULL;

	for (size_t i = 0; bundle && i < bundle->n_mids; i++) {
		for (size_t k = 0; k < s->n_media; k++) {
			const char *mid = rtc_sdp_media_mid(s->media[k]);

			if (mid && !strcmp(mid, bundle->mids[i]) && jsep_media_is_active(s->media[k]))
				return (int)k;
		}
	}
	for (size_t i = 0; s && i < s->n_media; i++)
		if (jsep_media_is_active(s->media[i]) && jsep_media_is_data(s->media[i]))
			return (int)i;
	for (size_t i = 0; s && i < s->n_media; i++)
		if (jsep_media_is_active(s->media[i]))
			return (int)i;
	return -1;
}

bool jsep_read_transport(const struct rtc_sdp_session *offer, const struct rtc_sdp_session *answer,
			 bool we_offered, struct rtc_jsep_transport *out)
{
	const struct rtc_sdp_session *local = we_offered ? offer : answer;
	const struct rtc_sdp_session *remote = we_offered ? answer : offer;
	const struct rtc_sdp_fingerprint *fp = NULL;
	struct rtc_jsep_transport t = { 0 };
	enum rtc_sdp_setup setup;
	int i = jsep_transport_index(answer);
	const char *mid;

	if (i < 0 || (size_t)i >= offer->n_media)
		return false;
	mid = rtc_sdp_media_mid(answer->media[i]);
	COPY_FIELD(t.mid, mid ? mid : "");
	t.mline_index = i;
	/* The answerer picks the roles (RFC 8842 section 5.3); an absent
	 * a=setup means active (RFC 4145 section 4). */
	setup = rtc_sdp_setup(answer, jsep_transport_media(answer, answer->media[i]));
	t.dtls_client = (setup == RTC_SDP_SETUP_ACTIVE || setup == RTC_SDP_SETUP_NONE) !=
			we_offered;
	read_transport(remote, remote->media[i], t.remote_ice_ufrag, sizeof(t.remote_ice_ufrag),
		       t.remote_ice_pwd, sizeof(t.remote_ice_pwd), &fp);
	if (fp) {
		COPY_FIELD(t.remote_fingerprint_algorithm, fp->algorithm);
		COPY_FIELD(t.remote_fingerprint, fp->hex);
	}
	read_transport(local, local->media[i], t.local_ice_ufrag, sizeof(t.local_ice_ufrag),
		       t.local_ice_pwd, sizeof(t.local_ice_pwd), NULL);
	*out = t;
	return true;
}
