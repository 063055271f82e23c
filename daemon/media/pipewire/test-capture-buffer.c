/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Locating pictures in a node's buffers: the layouts cameras use, and
 * chunks that lie about their size. */
#include "check.h"
#include "media/pipewire/capture-buffer.h"

static uint8_t mem[4096];

static struct rtc_pw_block block(uint32_t offset, uint32_t size, int32_t stride, uint32_t maxsize)
{
	return (struct rtc_pw_block){ .data = mem, .maxsize = maxsize, .offset = offset,
				      .size = size, .stride = stride };
}

static void test_i420_one_block(void)
{
	struct rtc_raw_picture pic;
	struct rtc_pw_block b = block(16, 8 * 6 * 3 / 2, 0, sizeof(mem));

	CHECK_INTEQ(rtc_pw_picture_locate(RTC_RAW_I420, 8, 6, &b, 1, &pic), 0);
	CHECK(pic.plane[0] == mem + 16);
	CHECK(pic.plane[1] == mem + 16 + 48);
	CHECK(pic.plane[2] == mem + 16 + 48 + 12);
	CHECK_INTEQ(pic.stride[0], 8);
	CHECK_INTEQ(pic.stride[1], 4);
	/* One byte short. */
	b.size--;
	CHECK_INTEQ(rtc_pw_picture_locate(RTC_RAW_I420, 8, 6, &b, 1, &pic), -1);
}

static void test_i420_planes(void)
{
	struct rtc_raw_picture pic;
	struct rtc_pw_block b[3] = { block(0, 16 * 6, 16, 96), block(0, 4 * 3, 4, 12),
				     block(0, 4 * 3, 4, 12) };

	CHECK_INTEQ(rtc_pw_picture_locate(RTC_RAW_I420, 8, 6, b, 3, &pic), 0);
	CHECK_INTEQ(pic.stride[0], 16);
	b[2].stride = 3;
	CHECK_INTEQ(rtc_pw_picture_locate(RTC_RAW_I420, 8, 6, b, 3, &pic), -1);
}

static void test_nv12_and_yuy2(void)
{
	struct rtc_raw_picture pic;
	struct rtc_pw_block b = block(0, 16 * 6 + 16 * 3, 16, sizeof(mem));

	CHECK_INTEQ(rtc_pw_picture_locate(RTC_RAW_NV12, 8, 6, &b, 1, &pic), 0);
	CHECK(pic.plane[1] == mem + 96);
	CHECK_INTEQ(pic.stride[1], 16);
	b = block(0, 8 * 2 * 6, 0, sizeof(mem));
	CHECK_INTEQ(rtc_pw_picture_locate(RTC_RAW_YUY2, 8, 6, &b, 1, &pic), 0);
	CHECK_INTEQ(pic.stride[0], 16);
	b.stride = 15;   /* narrower than a row */
	CHECK_INTEQ(rtc_pw_picture_locate(RTC_RAW_YUY2, 8, 6, &b, 1, &pic), -1);
}

static void test_lying_chunks(void)
{
	struct rtc_raw_picture pic;
	struct rtc_pw_block b = block(100, 200, 0, 250);   /* ends past the mapping */

	CHECK_INTEQ(rtc_pw_picture_locate(RTC_RAW_MJPG, 8, 6, &b, 1, &pic), -1);
	b = block(300, 0, 0, 250);                          /* starts past it */
	CHECK_INTEQ(rtc_pw_picture_locate(RTC_RAW_MJPG, 8, 6, &b, 1, &pic), -1);
	b = block(0, 96, -8, sizeof(mem));                  /* negative stride */
	CHECK_INTEQ(rtc_pw_picture_locate(RTC_RAW_I420, 8, 6, &b, 1, &pic), -1);
	b = block(0, 100, 0, 250);
	CHECK_INTEQ(rtc_pw_picture_locate(RTC_RAW_MJPG, 8, 6, &b, 1, &pic), 0);
	CHECK_INTEQ(pic.len, 100);
	b.data = NULL;
	CHECK_INTEQ(rtc_pw_picture_locate(RTC_RAW_MJPG, 8, 6, &b, 1, &pic), -1);
}

int main(void)
{
	RUN(test_i420_one_block);
	RUN(test_i420_planes);
	RUN(test_nv12_and_yuy2);
	RUN(test_lying_chunks);
	return rtc_test_done();
}
