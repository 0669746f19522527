/* The dates of an account row, from the DATETIMEs as stored: the expiry (renewed + duration
 * months, as MariaDB's DATE_ADD computes it) and whether it is past, decided in C. */
#include <stdio.h>
#include <string.h>

#include "account_internal.h"

static int leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(unsigned y, unsigned m)
{
	static const unsigned char days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

int panel__account_add_months(char out[20], const char *datetime, unsigned months)
{
	unsigned y, mo, d, h, mi, s;
	unsigned long total;
	char tail;

	out[0] = '\0';
	if (!datetime || strlen(datetime) != 19 ||
	    sscanf(datetime, "%4u-%2u-%2u %2u:%2u:%2u%c", &y, &mo, &d, &h, &mi, &s, &tail) != 6 ||
	    mo < 1 || mo > 12 || d < 1)
		return -1;
	/* DATE_ADD(..., INTERVAL n MONTH): the day is kept, or the month's last one if shorter; a
	 * year past 9999 gives NULL. */
	total = (unsigned long)y * 12 + (mo - 1) + months;
	if (total / 12 > 9999)
		return -1;
	y = (unsigned)(total / 12);
	mo = (unsigned)(total % 12) + 1;
	if (d > month_days(y, mo))
		d = month_days(y, mo);
	snprintf(out, 20, "%04u-%02u-%02u %02u:%02u:%02u", y % 10000, mo % 100, d % 100, h % 100,
		 mi % 100, s % 100);
	return 0;
}
