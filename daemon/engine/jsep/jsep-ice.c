/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What ICE needs from the descriptions and gives back to them: the
 * credentials and candidates of the transport section on each side, our
 * gathered candidates written into the local description (W3C: it "includes
 * every candidate gathered so far"), and trickled remote candidates checked
 * and written into the remote description (W3C addIceCandidate).
 */
#include <stdlib.h>
#include <string.h>

#include "engine/jsep/jsep-private.h"

static struct jsep_description *latest(struct jsep_description *pending,
				       struct jsep_description *current)
{
	return pending->text ? pending : current->text ? current : NULL;
}

/* The section that carries the transport: the BUNDLE group's first
 * active one (audio, video or data), see jsep_transport_index(). */
static int transport_index(const struct rtc_sdp_session *s)
{
	return jsep_transport_index(s);
}

bool rtc_jsep_local_ice(const struct rtc_jsep *jsep, struct rtc_jsep_ice_section *out)
{
	const struct rtc_sdp_session *s = jsep_latest_local(jsep);
	struct rtc_ice_credentials ice;
	int i = transport_index(s);
	const char *mid;

	if (i < 0)
		return false;
	jsep_local_ice(jsep, &ice);
	mid = rtc_sdp_media_mid(s->media[i]);
	memset(out, 0, sizeof(*out));
	snprintf(out->ufrag, sizeof(out->ufrag), "%s", ice.ufrag);
	snprintf(out->pwd, sizeof(out->pwd), "%s", ice.pwd);
	snprintf(out->mid, sizeof(out->mid), "%s", mid ? mid : "");
	out->mline_index = i;
	return true;
}

bool rtc_jsep_remote_ice(const struct rtc_jsep *jsep, struct rtc_jsep_ice_section *out)
{
	const struct jsep_description *d =
		jsep->pending_remote.text ? &jsep->pending_remote : &jsep->current_remote;
	const struct rtc_sdp_session *s = d->sdp;
	const struct rtc_sdp_media *m, *t;
	int i = transport_index(s);
	const char *u, *p, *mid;

	if (i < 0)
		return false;
	m = s->media[i];
	t = jsep_transport_media(s, m);
	u = rtc_sdp_ice_ufrag(s, t);
	p = rtc_sdp_ice_pwd(s, t);
	mid = rtc_sdp_media_mid(m);
	memset(out, 0, sizeof(*out));
	snprintf(out->ufrag, sizeof(out->ufrag), "%s", u ? u : "");
	snprintf(out->pwd, sizeof(out->pwd), "%s", p ? p : "");
	snprintf(out->mid, sizeof(out->mid), "%s", mid ? mid : "");
	out->mline_index = i;
	out->ice_lite = rtc_sdp_ice_lite(s);
	out->end_of_candidates = rtc_sdp_media_attr(t, "end-of-candidates", NULL) ||
				 rtc_sdp_session_attr(s, "end-of-candidates", NULL);
	out->remote_description_offer = d->type == RTC_SDP_TYPE_OFFER;
	return true;
}

const struct rtc_sdp_candidate *rtc_jsep_remote_candidate(const struct rtc_jsep *jsep,
							   size_t index)
{
	const struct jsep_description *d =
		jsep->pending_remote.text ? &jsep->pending_remote : &jsep->current_remote;
	int i = transport_index(d->sdp);
	const struct rtc_sdp_attr *a;

	if (i < 0)
		return NULL;
	for (a = rtc_sdp_media_attr(d->sdp->media[i], "candidate", NULL); a;
	     a = rtc_sdp_media_attr(d->sdp->media[i], "candidate", a))
		if (a->kind == RTC_SDP_ATTR_CANDIDATE && index-- == 0)
			return a->candidate;
	return NULL;
}

bool rtc_jsep_we_offered(const struct rtc_jsep *jsep)
{
	if (jsep->pending_local.text)
		return jsep->pending_local.type == RTC_SDP_TYPE_OFFER;
	if (jsep->pending_remote.text)
		return jsep->pending_remote.type != RTC_SDP_TYPE_OFFER;
	return jsep->current_local.text && jsep->current_local.type == RTC_SDP_TYPE_OFFER;
}

/* Adds an a= line to section `index` of a description and rewrites its
 * text; nothing changes on failure. */
static int description_add(struct jsep_description *d, int index, const char *name,
			   const char *value, struct rtc_error *err)
{
	struct rtc_sdp_media *m = d->sdp->media[index];
	size_t n_attrs = m->n_attrs;
	char *text;

	if (rtc_sdp_add_attr(d->sdp, m, name, value, err) < 0)
		return -1;
	text = rtc_sdp_to_string(d->sdp);
	if (!text) {
		m->n_attrs = n_attrs;   /* the arena keeps the bytes; the line is gone */
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	}
	free(d->text);
	d->text = text;
	return 0;
}

int rtc_jsep_add_local_candidate(struct rtc_jsep *jsep, const char *candidate,
				 struct rtc_error *err)
{
	struct jsep_description *d = latest(&jsep->pending_local, &jsep->current_local);
	const char *value;
	int i;

	if (!d || (i = transport_index(d->sdp)) < 0)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "no local description");
	if (!candidate || !*candidate)
		return rtc_sdp_media_attr(d->sdp->media[i], "end-of-candidates", NULL)
			? 0 : description_add(d, i, "end-of-candidates", NULL, err);
	value = strncmp(candidate, "candidate:", 10) == 0 ? candidate + 10 : candidate;
	return description_add(d, i, "candidate", value, err);
}

/* The candidate line as the description holds it: no "a=", no
 * "candidate:", no line end. */
static size_t candidate_value(const char *candidate, const char **value)
{
	const char *v = strncmp(candidate, "a=", 2) == 0 ? candidate + 2 : candidate;

	v = strncmp(v, "candidate:", 10) == 0 ? v + 10 : v;
	*value = v;
	return strcspn(v, "\r\n");
}

/* W3C addIceCandidate, steps on the description: which section the
 * candidate is for, whether it belongs to the current ICE generation, and
 * whether the description has room for it. 1: to be recorded in section
 * *section of *out; 0: nothing to record (*ignored tells why). */
static int check_remote_candidate(struct rtc_jsep *jsep, const char *candidate,
				  const char *mid, int mline_index, bool *ignored,
				  struct jsep_description **out, int *section,
				  struct rtc_error *err)
{
	struct jsep_description *d = latest(&jsep->pending_remote, &jsep->current_remote);
	struct rtc_sdp_candidate *parsed = NULL;
	const struct rtc_sdp_media *m, *t;
	const struct rtc_sdp_attr *a;
	const char *ufrag, *value;
	size_t len, n = 0;
	int i = -1;

	*ignored = false;
	if (jsep->state == RTC_SIGNALING_CLOSED)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "the peer connection is closed");
	if (!d)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE, "no remote description");
	if ((!mid || !*mid) && mline_index < 0 && candidate && *candidate)
		return rtc_error_set(err, RTC_ERROR_TYPE,
				     "a candidate needs an sdp_mid or an sdp_mline_index");
	if (mid && *mid) {
		for (size_t k = 0; k < d->sdp->n_media; k++) {
			const char *kmid = rtc_sdp_media_mid(d->sdp->media[k]);
			if (kmid && strcmp(kmid, mid) == 0)
				i = (int)k;
		}
		if (i < 0)
			return rtc_error_set(err, RTC_ERROR_OPERATION,
					     "no media section with mid \"%.32s\"", mid);
	} else if (mline_index >= 0) {
		if ((size_t)mline_index >= d->sdp->n_media)
			return rtc_error_set(err, RTC_ERROR_OPERATION,
					     "no media section %d (the description has %zu)",
					     mline_index, d->sdp->n_media);
		i = mline_index;
	}
	*out = d;

	if (!candidate || !*candidate) {
		/* End of candidates: for one section, or all when none is named. */
		int target = i >= 0 ? i : transport_index(d->sdp);
		if (target < 0 || rtc_sdp_media_attr(d->sdp->media[target], "end-of-candidates", NULL))
			return 0;
		*section = target;
		return 1;
	}

	m = d->sdp->media[i];
	/* JSEP 5.10: candidates for a rejected section are ignored. */
	if (!jsep_media_is_active(m)) {
		*ignored = true;
		return 0;
	}
	if (rtc_sdp_candidate_parse(candidate, strlen(candidate), &parsed, err) < 0)
		return -1;
	/* W3C: a candidate of another ICE generation is an OperationError. */
	ufrag = rtc_sdp_ice_ufrag(d->sdp, jsep_transport_media(d->sdp, m));
	for (size_t k = 0; k < parsed->n_extensions; k++)
		if (strcmp(parsed->extensions[k].name, "ufrag") == 0 && ufrag &&
		    strcmp(parsed->extensions[k].value, ufrag) != 0) {
			rtc_sdp_candidate_free(parsed);
			return rtc_error_set(err, RTC_ERROR_OPERATION,
					     "the candidate's ufrag is not the remote description's");
		}
	rtc_sdp_candidate_free(parsed);
	/* Into the bundle's transport section, where ICE looks for them. */
	*section = transport_index(d->sdp);
	if (*section < 0)
		return rtc_error_set(err, RTC_ERROR_INVALID_STATE,
				     "the remote description has no transport");
	t = d->sdp->media[*section];
	len = candidate_value(candidate, &value);
	for (a = rtc_sdp_media_attr(t, "candidate", NULL); a;
	     a = rtc_sdp_media_attr(t, "candidate", a), n++)
		if (a->value && strlen(a->value) == len && memcmp(a->value, value, len) == 0) {
			*ignored = true;    /* known: nothing to add, nothing to grow */
			return 0;
		}
	if (n >= RTC_JSEP_MAX_REMOTE_CANDIDATES)
		return rtc_error_set(err, RTC_ERROR_OPERATION,
				     "the remote description has %zu candidates already, the "
				     "most ICE takes", n);
	if (strlen(d->text) + len + sizeof("a=candidate:\r\n") > RTC_SDP_MAX_SIZE)
		return rtc_error_set(err, RTC_ERROR_OPERATION,
				     "the remote description would grow past %d bytes",
				     RTC_SDP_MAX_SIZE);
	return 1;
}

int rtc_jsep_check_remote_candidate(struct rtc_jsep *jsep, const char *candidate,
				    const char *mid, int mline_index, bool *ignored,
				    struct rtc_error *err)
{
	struct jsep_description *d;
	int section;

	return check_remote_candidate(jsep, candidate, mid, mline_index, ignored, &d, &section,
				      err) < 0 ? -1 : 0;
}

int rtc_jsep_add_remote_candidate(struct rtc_jsep *jsep, const char *candidate,
				  const char *mid, int mline_index, bool *ignored,
				  struct rtc_error *err)
{
	struct jsep_description *d;
	const char *value;
	size_t len;
	char *line;
	int section, ret;

	ret = check_remote_candidate(jsep, candidate, mid, mline_index, ignored, &d, &section,
				     err);
	if (ret <= 0)
		return ret;
	if (!candidate || !*candidate)
		return description_add(d, section, "end-of-candidates", NULL, err);
	/* The parser takes a trailing line end; the description must not. */
	len = candidate_value(candidate, &value);
	line = strndup(value, len);
	if (!line)
		return rtc_error_set(err, RTC_ERROR_OPERATION, "out of memory");
	ret = description_add(d, section, "candidate", line, err);
	free(line);
	return ret;
}
