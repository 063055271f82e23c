/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the files of the sdp module share and nobody else needs: the lexical
 * rules of RFC 8866 and the typed attribute parsers.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "engine/sdp/sdp.h"
#include "engine/base/arena.h"

/* RFC 8866 token: visible ASCII except the separators "(),/:;<=>?@[\]. */
bool rtc_sdp_is_token(const char *s);
/* Visible characters only (no SP, no controls), at least one: non-ws-string. */
bool rtc_sdp_is_word(const char *s);
/* A byte-string: nothing that would end the line (NUL, CR, LF). */
bool rtc_sdp_is_text(const char *s);

/* token *("/" token), as in "UDP/TLS/RTP/SAVPF". */
bool rtc_sdp_is_proto(const char *s);

/* RFC 8839 ice-char: ALPHA / DIGIT / "+" / "/" (ASCII, whatever the locale). */
bool rtc_sdp_is_ice_char(char c);

/* Decimal digits only, at least one, at most max. */
int rtc_sdp_parse_uint(const char *s, uint64_t max, uint64_t *out);

/* Cuts the next field off *cursor at the next SP, NUL-terminating it in
 * place. Returns NULL when nothing is left; an empty string for an empty
 * field (two spaces, or a trailing one), which no caller accepts. For what
 * rtcd is given to write, where single spaces are the rule. */
char *rtc_sdp_next_field(char **cursor);

/* SP or HTAB: what separates fields in what peers write. */
bool rtc_sdp_is_space(char c);

/* Cuts the next word off *cursor, NUL-terminating it in place: words are
 * separated by runs of SP and HTAB, and white space before the first and
 * after the last is no field (libwebrtc and Firefox read SDP so). Returns
 * NULL when no word is left; *cursor is NULL once no word follows. */
char *rtc_sdp_next_word(char **cursor);

/* s without the SP and HTAB at its ends, cut in place. */
char *rtc_sdp_trim(char *s);

/* What separates the options of a=ice-options: SP as RFC 8839 has it, and
 * the commas libdatachannel writes ("ice2,trickle"). */
#define RTC_SDP_ICE_OPTION_SEPARATORS " \t,"

/* Validates attr->value (NULL for a flag) against the grammar of
 * attr->name and fills attr->kind and its typed form; a one-word value
 * (a=mid, a=setup, ...) loses the white space around it. Unknown names,
 * tokens or not, are RTC_SDP_ATTR_OTHER and always valid; the builders
 * check theirs. Errors go to *err without a line number ("a=fingerprint:
 * ..."); the caller adds it. */
int rtc_sdp_attr_classify(struct rtc_arena *arena, struct rtc_sdp_attr *attr,
			  struct rtc_error *err);

/* The value of an a=candidate line, everything after "candidate:". */
int rtc_sdp_candidate_parse_value(struct rtc_arena *arena, const char *value,
				  struct rtc_sdp_candidate *out, struct rtc_error *err);
