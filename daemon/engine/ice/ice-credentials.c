/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "engine/ice/ice-credentials.h"

#include <stdint.h>
#include <string.h>

#include <openssl/err.h>
#include "engine/base/rng.h"

/* Exactly 64 ice-chars, so the low six bits of a random byte pick one with
 * no bias. */
static const char ice_chars[64] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int random_ice_string(char *out, size_t len, struct rtc_error *err)
{
	uint8_t bytes[RTC_ICE_CREDENTIAL_MAX];

	if (rtc_rng_bytes(bytes, len) < 0) {
		ERR_clear_error();
		return rtc_error_set(err, RTC_ERROR_OPERATION,
				     "ICE credentials: the random generator failed");
	}
	for (size_t i = 0; i < len; i++)
		out[i] = ice_chars[bytes[i] & 63];
	out[len] = '\0';
	return 0;
}

int rtc_ice_credentials_generate(struct rtc_ice_credentials *out, struct rtc_error *err)
{
	struct rtc_ice_credentials fresh;

	if (random_ice_string(fresh.ufrag, RTC_ICE_UFRAG_LEN, err) < 0 ||
	    random_ice_string(fresh.pwd, RTC_ICE_PWD_LEN, err) < 0)
		return -1;
	*out = fresh;
	return 0;
}

static bool is_ice_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

static int check_ice_string(const char *what, const char *value, size_t min,
			    struct rtc_error *err)
{
	size_t len = strnlen(value, RTC_ICE_CREDENTIAL_MAX + 1);

	if (len > RTC_ICE_CREDENTIAL_MAX)
		return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
				     "%s is longer than %d characters", what, RTC_ICE_CREDENTIAL_MAX);
	if (len < min)
		return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
				     "%s has %zu characters, at least %zu are needed", what, len, min);
	for (size_t i = 0; i < len; i++)
		if (!is_ice_char(value[i]))
			return rtc_error_set(err, RTC_ERROR_INVALID_ACCESS,
					     "%s has a character that is not an ice-char "
					     "(letters, digits, '+', '/') at position %zu",
					     what, i + 1);
	return 0;
}

int rtc_ice_credentials_check_ufrag(const char *ufrag, struct rtc_error *err)
{
	return check_ice_string("ice-ufrag", ufrag, RTC_ICE_UFRAG_MIN, err);
}

int rtc_ice_credentials_check_pwd(const char *pwd, struct rtc_error *err)
{
	return check_ice_string("ice-pwd", pwd, RTC_ICE_PWD_MIN, err);
}
