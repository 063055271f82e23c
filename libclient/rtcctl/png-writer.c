/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * I420 to RGB (BT.601 video range: Y 16..235, chroma 16..240) row by row,
 * into libpng. libpng reports errors by longjmp, so everything that must
 * be freed afterwards lives outside the setjmp frame's locals.
 */
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "png-writer.h"

static uint8_t clamp(int v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/* Fixed point, 16 bits: the usual BT.601 coefficients. */
static void convert_row(const struct node_reader_frame *f, uint32_t y, uint8_t *rgb)
{
	const uint8_t *yp = f->plane[0] + (size_t)y * f->stride[0];
	const uint8_t *up = f->plane[1] + (size_t)(y / 2) * f->stride[1];
	const uint8_t *vp = f->plane[2] + (size_t)(y / 2) * f->stride[2];

	for (uint32_t x = 0; x < f->width; x++) {
		int c = 76309 * (yp[x] - 16), d = up[x / 2] - 128, e = vp[x / 2] - 128;

		rgb[3 * x] = clamp((c + 104597 * e + 32768) >> 16);
		rgb[3 * x + 1] = clamp((c - 25675 * d - 53279 * e + 32768) >> 16);
		rgb[3 * x + 2] = clamp((c + 132201 * d + 32768) >> 16);
	}
}

struct png_job {
	char *why;
	size_t why_size;
};

static void on_png_error(png_structp png, png_const_charp message)
{
	struct png_job *job = png_get_error_ptr(png);

	snprintf(job->why, job->why_size, "libpng: %s", message);
	png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp message)
{
	(void)png;
	(void)message;
}

bool png_write_i420(const char *path, const struct node_reader_frame *f, char *why,
		    size_t why_size)
{
	struct png_job job = { why, why_size };
	png_structp png = NULL;
	png_infop info = NULL;
	uint8_t *volatile row = NULL;
	FILE *volatile out = NULL;
	volatile bool ok = false;

	row = malloc((size_t)f->width * 3);
	out = fopen(path, "wbe");
	if (!row || !out) {
		snprintf(why, why_size, "%s: %s", path, strerror(errno));
		goto done;
	}
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &job, on_png_error, on_png_warning);
	info = png ? png_create_info_struct(png) : NULL;
	if (!info) {
		snprintf(why, why_size, "libpng: out of memory");
		goto done;
	}
	if (setjmp(png_jmpbuf(png)))
		goto done;
	png_init_io(png, out);
	png_set_IHDR(png, info, f->width, f->height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (uint32_t y = 0; y < f->height; y++) {
		convert_row(f, y, row);
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	ok = true;
done:
	if (png)
		png_destroy_write_struct(&png, info ? &info : NULL);
	if (out && fclose(out) != 0 && ok) {
		snprintf(why, why_size, "%s: %s", path, strerror(errno));
		ok = false;
	}
	free(row);
	return ok;
}
