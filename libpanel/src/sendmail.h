/* Mails the panel sends (a contact address change, a password reset, the new-account notice),
 * handed to the local MTA through its sendmail interface. */
#ifndef PANEL_SRC_SENDMAIL_H
#define PANEL_SRC_SENDMAIL_H

#include "panel/panel.h"

#define PANEL__SENDMAIL_TIMEOUT 30 /* seconds the sendmail program may take */

/* Sends one text/plain UTF-8 message: runs [mail] sendmail (default /usr/sbin/sendmail) with
 * "-t -i", no shell, the message on its standard input; the recipients come from the To
 * header, never from the command line. to must be an address as panel__valid_mail accepts it
 * and subject a line without control characters (a header value with CR or LF is refused:
 * PANEL_EINVALID, field "mail" or "subject"), so that nobody adds headers or recipients.
 * From is [mail] from, or postmaster@<[hosting] fqdn> as AlternC 1.0. PANEL_ERROR when the
 * program cannot run, fails or takes longer than PANEL__SENDMAIL_TIMEOUT. */
int panel__sendmail(const panel *p, const char *to, const char *subject, const char *body);

/* The name 1.0 calls L_HOSTING in its mails: [mail] hosting_name, else [hosting] fqdn, else
 * "AlternC". */
const char *panel__sendmail_hosting(const panel *p);

#endif
