/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "media/pipeline/audio-level.h"

#include <math.h>

double rtc_audio_rms(const int16_t *pcm, size_t n)
{
	double sum = 0;

	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		sum += (double)pcm[i] * pcm[i];
	/* 32768: the overload point of 16-bit PCM. */
	return sqrt(sum / (double)n) / 32768.0;
}

int rtc_audio_level_from_rms(double rms)
{
	double dbov;

	if (!(rms > 0))
		return 127;
	dbov = 20 * log10(rms);
	if (dbov >= 0)
		return 0;
	if (dbov <= -127)
		return 127;
	return (int)lround(-dbov);
}
